package org.pmult.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
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
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterRequestParser;
import org.pmult.pmilter.codec.PmilterRequestWriter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Decoding one complete pmilter request from smtps ({@link PmilterRequestParser#parse}, what the
 * request decoder runs on each frame it cuts out). The frame sits in a direct buffer and is only
 * read, never consumed, so every iteration decodes the same bytes; a MSG result holds a retained
 * slice of the frame and is released.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class PmilterDecoderBenchmark {

    private static final String SEID = "S0a1b2c3d4e5f6";
    private static final int CHUNK_BYTES = 10 * 1024;

    /**
     * {@code connect}: CONNECT with address, port, name and two macros; {@code rcpt}: RCPT with
     * ESMTP arguments and TAID; {@code msg}: MSG with a 10 KiB chunk; {@code dot}: DOT with MSGID.
     */
    @Param({"connect", "rcpt", "msg", "dot"})
    String request;

    private ByteBuf frame;

    @Setup
    public void setUp() throws UnknownHostException {
        frame = Unpooled.directBuffer();
        PmilterRequestWriter.write(build(request), frame);
    }

    @TearDown
    public void tearDown() {
        frame.release();
    }

    @Benchmark
    public PmilterRequest decode() {
        PmilterRequest decoded = PmilterRequestParser.parse(frame);
        ReferenceCountUtil.release(decoded);
        return decoded;
    }

    private static PmilterRequest build(String request) throws UnknownHostException {
        return switch (request) {
            case "connect" -> new PmilterRequest.Connect(SEID, InetAddress.getByName("192.0.2.10"), 40112,
                    "client.example.com", PmilterMacros.of(Macro.HOSTNAME, "mx1.example.org",
                            Macro.CLIENT_RESOLVE, "OK"));
            case "rcpt" -> new PmilterRequest.Rcpt(SEID, "<bob@example.net>", 0, "NOTIFY=SUCCESS,FAILURE",
                    PmilterMacros.of(Macro.TAID, "S0a1b2c3d4e5f6-T0001"));
            case "msg" -> new PmilterRequest.Msg(SEID, Unpooled.wrappedBuffer(chunk()));
            case "dot" -> new PmilterRequest.Dot(SEID, PmilterMacros.of(Macro.MSGID, "<20261124.4711@example.com>"));
            default -> throw new IllegalArgumentException("request: " + request);
        };
    }

    /** 10 KiB of 78-character CRLF lines, like a plain-text message body. */
    private static byte[] chunk() {
        byte[] line = (("x".repeat(76)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[CHUNK_BYTES];
        for (int i = 0; i < chunk.length; i += line.length) {
            System.arraycopy(line, 0, chunk, i, Math.min(line.length, chunk.length - i));
        }
        return Arrays.copyOf(chunk, CHUNK_BYTES);
    }
}
