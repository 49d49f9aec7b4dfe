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
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.server.config.MacroStage;
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

    /**
     * What pmult's channels allocate from: Netty 4.2's default, the adaptive pooling allocator, which
     * recycles buffers on any thread. (PooledByteBufAllocator recycles its buffer objects only on
     * event-loop threads, so on a JMH thread it would show an allocation pmult does not make.)
     */
    private static final MilterCommand MAIL = new MilterCommand.Mail("<alice@example.org>", java.util.List.of("SIZE=10240"));

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private PmilterMacros request;
    private SessionMacros session;
    private StageMacros mailStage;
    private MilterCommand.Macros prebuilt;
    /** The D command kept for the stage, as MilterClientSession keeps one per stage. */
    private MilterCommand.Macros cachedCommand;

    @Setup
    public void setUp() {
        request = MacroFixtures.mailRequestMacros(4);
        session = MacroFixtures.sessionAfterMail();
        mailStage = MacroFixtures.mailfromdPlan().macros(0, MacroStage.MAIL);
        prebuilt = new MilterCommand.Macros(MilterCodes.Command.MAIL, session.valuesFor(mailStage));
    }

    /** The encoder alone: size, allocate, write names and values, release. */
    @Benchmark
    public int encodeStagePacket() {
        ByteBuf packet = MilterCommandEncoder.encode(alloc, prebuilt, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }

    /**
     * The whole per-stage cost as pmult pays it: request macros into the table, the stage's values
     * into the session's reused holder ({@link SessionMacros#valuesFor}), the {@code D} command
     * (reused per stage while the holder is the same, as {@code MilterClientSession} does), the packet.
     */
    @Benchmark
    public int translateAndEncodeStage() {
        session.apply(request);
        MilterMacros values = session.valuesFor(mailStage);
        MilterCommand.Macros command = cachedCommand;
        if (command == null || command.macros() != values) {
            command = new MilterCommand.Macros(MilterCodes.Command.MAIL, values);
            cachedCommand = command;
        }
        ByteBuf packet = MilterCommandEncoder.encode(alloc, command, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }

    /**
     * The two packets of a stage as {@code MilterClientSession} writes them: the {@code D} packet and
     * the MAIL command encoded together into one buffer ({@link MilterCommandEncoder#encodeWithMacros}).
     */
    @Benchmark
    public int encodeStagePacketWithCommand() {
        ByteBuf packets = MilterCommandEncoder.encodeWithMacros(alloc, prebuilt, MAIL, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packets.readableBytes();
        packets.release();
        return length;
    }

    /** The same two packets encoded one after the other into two buffers, as before {@code encodeWithMacros}. */
    @Benchmark
    public int encodeStagePacketThenCommand() {
        ByteBuf macros = MilterCommandEncoder.encode(alloc, prebuilt, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        ByteBuf command = MilterCommandEncoder.encode(alloc, MAIL, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = macros.readableBytes() + command.readableBytes();
        macros.release();
        command.release();
        return length;
    }
}
