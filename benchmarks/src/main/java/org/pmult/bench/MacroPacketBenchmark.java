package org.pmult.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandEncoder;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.server.config.MacroStage;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.OwnMacro;
import org.pmult.server.macro.SessionMacros;
import org.pmult.server.macro.StageMacros;

import java.util.concurrent.TimeUnit;

/**
 * One stage's {@code D} packet for mailfromd at MAIL (five names with their values, about 110 bytes)
 * written into a pooled direct buffer from Netty's default allocator by {@link MilterCommandEncoder#encode(ByteBufAllocator,
 * MilterCommand, int)} — the same method the pipeline encoder calls, without a channel around it.
 * Each buffer is released in the same iteration, so the pool reuses it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class MacroPacketBenchmark {

    private static final OwnMacro[] OWN_MACROS = OwnMacro.values();

    /**
     * What pmult's channels allocate from: Netty 4.2's default, the adaptive pooling allocator, which
     * recycles buffers on any thread. (PooledByteBufAllocator recycles its buffer objects only on
     * event-loop threads, so on a JMH thread it would show an allocation pmult does not make.)
     */
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private PmilterMacros request;
    private SessionMacros session;
    private StageMacros mailStage;
    private MilterCommand.Macros prebuilt;
    /** For the reused-holder prototype: one values array and command per (milter, stage), refilled. */
    private String[] reusedValues;
    private MilterCommand.Macros reusedCommand;

    @Setup
    public void setUp() {
        request = MacroFixtures.mailRequestMacros(4);
        session = MacroFixtures.sessionAfterMail();
        mailStage = MacroFixtures.mailfromdPlan().macros(0, MacroStage.MAIL);
        prebuilt = new MilterCommand.Macros(MilterCodes.Command.MAIL, session.valuesFor(mailStage));
        reusedValues = new String[mailStage.slots().length];
        reusedCommand = new MilterCommand.Macros(MilterCodes.Command.MAIL, MilterMacros.of(mailStage.names(), reusedValues));
    }

    /** The encoder alone: size, allocate, write names and values, release. */
    @Benchmark
    public int encodeStagePacket() {
        ByteBuf packet = MilterCommandEncoder.encode(alloc, prebuilt, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }

    /** The whole per-stage cost: request macros into the table, the stage's values, the packet. */
    @Benchmark
    public int translateAndEncodeStage() {
        session.apply(request);
        MilterCommand.Macros command = new MilterCommand.Macros(MilterCodes.Command.MAIL, session.valuesFor(mailStage));
        ByteBuf packet = MilterCommandEncoder.encode(alloc, command, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }

    /**
     * A prototype, not pmult's code: the same work with the values array, MilterMacros and command
     * kept per (milter, stage) and refilled in place, as docs/benchmarks.md proposes, to show what
     * dropping the per-stage objects buys.
     */
    @Benchmark
    public int translateAndEncodeStageReusingHolder() {
        session.apply(request);
        int[] slots = mailStage.slots();
        for (int i = 0; i < slots.length; i++) {
            reusedValues[i] = valueAt(slots[i]);
        }
        ByteBuf packet = MilterCommandEncoder.encode(alloc, reusedCommand, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }

    /** SessionMacros has no read-by-slot accessor; the catalog says which kind of macro a slot holds. */
    private String valueAt(int slot) {
        Macro meta1 = MacroCatalog.meta1MacroAt(slot);
        return meta1 != null ? session.get(meta1) : session.get(OWN_MACROS[slot]);
    }
}
