package org.pmult.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
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
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyDecoder;
import org.pmult.milter.codec.MilterReplyEncoder;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decoding one Milter reply packet ({@link MilterReplyDecoder#decode(ByteBuf)}, what the reply
 * decoder runs on each packet the frame decoder cuts out: code byte first, no length field). The
 * packet sits in a direct buffer; its reader index is rewound before each decode.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class MilterDecoderBenchmark {

    /**
     * {@code continue}: SMFIR_CONTINUE; {@code replycode}: SMFIR_REPLYCODE with mailfromd's reject text;
     * {@code optneg}: mailfromd's v6 SMFIR_OPTNEG with five SETSYMLIST records; {@code addheader}:
     * SMFIR_ADDHEADER.
     */
    @Param({"continue", "replycode", "optneg", "addheader"})
    String reply;

    private ByteBuf packet;

    @Setup
    public void setUp() {
        ByteBuf framed = MilterReplyEncoder.encode(UnpooledByteBufAllocator.DEFAULT, build(reply),
                MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        packet = Unpooled.directBuffer(framed.readableBytes());
        packet.writeBytes(framed, framed.readerIndex() + MilterCodes.LENGTH_FIELD_BYTES,
                framed.readableBytes() - MilterCodes.LENGTH_FIELD_BYTES);
        framed.release();
    }

    @TearDown
    public void tearDown() {
        packet.release();
    }

    @Benchmark
    public MilterReply decode() {
        packet.readerIndex(0);
        MilterReply decoded = MilterReplyDecoder.decode(packet);
        ReferenceCountUtil.release(decoded);
        return decoded;
    }

    private static MilterReply build(String reply) {
        return switch (reply) {
            case "continue" -> MilterReply.CONTINUE;
            case "replycode" -> new MilterReply.ReplyCode("550 5.7.1 Sender reject@example.com is blocked by test-filter");
            case "optneg" -> new MilterReply.OptionNegotiation(6, 0x1ff, 0x750, mailfromdSymlist());
            case "addheader" -> new MilterReply.AddHeader("X-Pmult-Macros",
                    "i=<4XQID0001> client_addr=<192.0.2.10> mail_addr=<alice@example.com>");
            default -> throw new IllegalArgumentException("reply: " + reply);
        };
    }

    /** The lists mailfromd sends for a filter that reads every macro (observed). */
    private static Map<MacroStage, MilterMacroNames> mailfromdSymlist() {
        Map<MacroStage, MilterMacroNames> lists = new EnumMap<>(MacroStage.class);
        lists.put(MacroStage.CONNECT, MilterMacroNames.of(List.of("{client_addr}", "{client_name}", "j", "{daemon_name}")));
        lists.put(MacroStage.HELO, MilterMacroNames.of(List.of("s", "{tls_version}")));
        lists.put(MacroStage.ENVFROM, MilterMacroNames.of(List.of("f", "{mail_addr}", "{mail_host}", "{mail_mailer}", "i", "{auth_authen}")));
        lists.put(MacroStage.ENVRCPT, MilterMacroNames.of(List.of("{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}")));
        lists.put(MacroStage.EOM, MilterMacroNames.of(List.of("i", "{client_addr}", "{mail_addr}")));
        return lists;
    }
}
