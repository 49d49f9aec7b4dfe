package org.pmult.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pmult.server.logging.OneLineMessageConverter;
import org.pmult.server.logging.SessionMdcConverter;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Formatting one INFO line about a session with the built-in logback.xml's text pattern
 * ({@code PatternLayout.doLayout}, what the stdout appender runs for every line): {@code converters} is
 * the pattern with pmult's converters ({@code %pmultMdc}, {@code %pmultMessage}), {@code regex} the
 * nested {@code %replace} pattern they replaced (issue 18), kept here to compare. The event has a
 * session id and a Message-ID in its MDC and a one-line message, as the per-message line has.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class LogLineBenchmark {

    private static final String PREFIX = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36}";
    private static final String REGEX = PREFIX
            + "%replace( session=%X{session}){' session=$', ''}%replace( msgid=%X{msgid}){' msgid=$', ''}"
            + " - %replace(%msg){'[\\r\\n]+', ' | '}%replace( | %replace(%ex){'[\\r\\n]+\\s*', ' | '}){'^ \\| $| \\| $', ''}%nopex%n";
    private static final String CONVERTERS = PREFIX + "%pmultMdc - %pmultMessage%n";

    @Param({"regex", "converters"})
    String pattern;

    private LoggerContext context;
    private PatternLayout layout;
    private LoggingEvent event;

    @Setup
    public void setUp() {
        context = new LoggerContext();
        layout = new PatternLayout();
        layout.setContext(context);
        layout.getInstanceConverterMap().put("pmultMdc", SessionMdcConverter::new);
        layout.getInstanceConverterMap().put("pmultMessage", OneLineMessageConverter::new);
        layout.setPattern(pattern.equals("regex") ? REGEX : CONVERTERS);
        layout.start();
        Logger logger = context.getLogger("org.pmult.server.session.MultiplexSession");
        event = new LoggingEvent(Logger.FQCN, logger, Level.INFO,
                "message from=<{}> size={} recipients={} verdict {} by milter \"{}\"", null,
                new Object[] {"sender@example.org", 18_342, 3, "accept", "mfd"});
        event.setInstant(Instant.parse("2026-11-24T09:15:02.311Z"));
        event.setThreadName("pmult-io-3");
        event.setMDCPropertyMap(Map.of("session", "S1A2B3C4", "msgid", "<20261124091502.ABC123@example.org>"));
        event.getFormattedMessage(); // formatted once, as the appender's first use does
    }

    @TearDown
    public void tearDown() {
        layout.stop();
        context.stop();
    }

    @Benchmark
    public String doLayout() {
        return layout.doLayout(event);
    }
}
