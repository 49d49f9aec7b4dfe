package org.pmult.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.pmult.milter.client.LogContext;
import org.pmult.server.session.SessionLogContext;
import org.slf4j.MDC;

import java.util.concurrent.TimeUnit;

/**
 * Entering a session's log context as a Milter reply does (issue 18): {@code replyEvent} enters on an
 * event loop whose MDC holds no session (the connection's event), enters again nested in it (the
 * session's continuation), and closes both; {@code firstEntry} is the outer entry and its close alone.
 * The session has its Message-ID.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class SessionLogContextBenchmark {

    private SessionLogContext context;

    @Setup
    public void setUp() {
        MDC.clear();
        context = new SessionLogContext("S1A2B3C4");
        context.messageId("<20261124091502.ABC123@example.org>");
    }

    @Benchmark
    public void replyEvent(Blackhole blackhole) {
        try (LogContext.Scope outer = context.enter()) {
            try (LogContext.Scope inner = context.enter()) {
                blackhole.consume(inner);
            }
            blackhole.consume(outer);
        }
    }

    @Benchmark
    public void firstEntry(Blackhole blackhole) {
        try (LogContext.Scope outer = context.enter()) {
            blackhole.consume(outer);
        }
    }
}
