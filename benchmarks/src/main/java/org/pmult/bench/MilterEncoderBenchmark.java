package org.pmult.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandEncoder;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Encoding the per-message Milter commands pmult sends most: one SMFIC_HEADER, and one SMFIC_BODY
 * with a 10 KiB chunk, each into a buffer from Netty's default allocator, released at once. The body
 * goes through {@link MilterCommandEncoder#encode(ByteBufAllocator, MilterCommand, int)}, which
 * copies the chunk; the pipeline encoder does not (it writes a 5-byte header and passes the chunk
 * on), so the body figure is an upper bound for pmult's path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class MilterEncoderBenchmark {

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private MilterCommand.Header header;
    private ByteBuf chunk;

    @Setup
    public void setUp() {
        header = new MilterCommand.Header("Subject", "Quarterly report: figures for the board meeting");
        chunk = Unpooled.directBuffer(10 * 1024).writeBytes("x".repeat(10 * 1024).getBytes(StandardCharsets.US_ASCII));
    }

    @TearDown
    public void tearDown() {
        chunk.release();
    }

    @Benchmark
    public int encodeHeader() {
        ByteBuf packet = MilterCommandEncoder.encode(alloc, header, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }

    /** The Body holder is built per call, as pmult builds one per chunk; it does not own the chunk here. */
    @Benchmark
    public int encodeBodyChunk() {
        ByteBuf packet = MilterCommandEncoder.encode(alloc, new MilterCommand.Body(chunk),
                MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        int length = packet.readableBytes();
        packet.release();
        return length;
    }
}
