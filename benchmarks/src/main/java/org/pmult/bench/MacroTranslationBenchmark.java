package org.pmult.bench;

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
import org.openjdk.jmh.annotations.Warmup;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.server.config.MacroStage;
import org.pmult.server.macro.SessionMacros;
import org.pmult.server.macro.StageMacros;

import java.util.concurrent.TimeUnit;

/**
 * The macro core for one stage of one milter: storing the MeTA1 macros a MAIL request carried in the
 * session's slot table ({@link SessionMacros#apply}), and picking the values mailfromd asked for at
 * MAIL ({@link SessionMacros#valuesFor}: five of its six names are supplied, one per slot).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class MacroTranslationBenchmark {

    /** MACID/MACVAL pairs in the request (smtps sends at most 8 per stage). */
    @Param({"2", "8"})
    int requestMacros;

    private PmilterMacros request;
    private SessionMacros session;
    private StageMacros mailStage;

    @Setup
    public void setUp() {
        request = MacroFixtures.mailRequestMacros(requestMacros);
        session = MacroFixtures.sessionAfterMail();
        mailStage = MacroFixtures.mailfromdPlan().macros(0, MacroStage.MAIL);
    }

    /** Request macros into the slot table: one id lookup and one array store per macro. */
    @Benchmark
    public SessionMacros applyRequestMacros() {
        session.apply(request);
        return session;
    }

    /** The stage's values for one milter, by precomputed slot indexes. */
    @Benchmark
    public MilterMacros buildStageMacros() {
        return session.valuesFor(mailStage);
    }

    /** Both, as the session does per stage and milter. */
    @Benchmark
    public MilterMacros translateStage() {
        session.apply(request);
        return session.valuesFor(mailStage);
    }
}
