package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.milter.codec.MilterCodes.MacroStage;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pmult.milter.codec.WireBytes.assertDrained;
import static org.pmult.milter.codec.WireBytes.hex;

/** Every reply: exact bytes, and a round trip through the MTA-side decoders split at every byte. */
class MilterReplyCodecTest {

    /** One row per reply; the bytes of continue and the reply code are the design spec's test vector 4. */
    static Stream<Arguments> replyVectors() {
        return Stream.of(
                row("continue (spec §9.4)", () -> MilterReply.CONTINUE, "00 00 00 01 63"),
                row("reply code (spec §9.4)", () -> new MilterReply.ReplyCode("550 5.7.1 Go away"),
                        "00 00 00 13 79 35 35 30 20 35 2E 37 2E 31 20 47 6F 20 61 77 61 79 00"),
                row("accept", () -> MilterReply.ACCEPT, "00 00 00 01 61"),
                row("reject", () -> MilterReply.REJECT, "00 00 00 01 72"),
                row("tempfail", () -> MilterReply.TEMPFAIL, "00 00 00 01 74"),
                row("discard", () -> MilterReply.DISCARD, "00 00 00 01 64"),
                row("skip", () -> MilterReply.SKIP, "00 00 00 01 73"),
                row("connection fail", () -> MilterReply.CONNECTION_FAIL, "00 00 00 01 66"),
                row("shutdown", () -> MilterReply.SHUTDOWN, "00 00 00 01 34"),
                row("progress", () -> MilterReply.PROGRESS, "00 00 00 01 70"),
                row("add header", () -> new MilterReply.AddHeader("X-A", "b"), "00 00 00 07 68 58 2D 41 00 62 00"),
                row("insert header", () -> new MilterReply.InsertHeader(0, "X-A", "b"),
                        "00 00 00 0B 69 00 00 00 00 58 2D 41 00 62 00"),
                row("change header to empty (delete)", () -> new MilterReply.ChangeHeader(1, "Subject", ""),
                        "00 00 00 0E 6D 00 00 00 01 53 75 62 6A 65 63 74 00 00"),
                row("add recipient", () -> new MilterReply.AddRcpt("<x@y>"), "00 00 00 07 2B 3C 78 40 79 3E 00"),
                row("add recipient with arguments", () -> new MilterReply.AddRcptWithArgs("<x@y>", "NOTIFY=NEVER"),
                        "00 00 00 14 32 3C 78 40 79 3E 00 4E 4F 54 49 46 59 3D 4E 45 56 45 52 00"),
                row("delete recipient", () -> new MilterReply.DeleteRcpt("<x@y>"), "00 00 00 07 2D 3C 78 40 79 3E 00"),
                row("change sender", () -> new MilterReply.ChangeFrom("<s@t>", ""), "00 00 00 07 65 3C 73 40 74 3E 00"),
                row("change sender with arguments", () -> new MilterReply.ChangeFrom("<s@t>", "SIZE=1"),
                        "00 00 00 0E 65 3C 73 40 74 3E 00 53 49 5A 45 3D 31 00"),
                row("replace body", () -> new MilterReply.ReplaceBody(Unpooled.copiedBuffer("hi\r\n", StandardCharsets.US_ASCII)),
                        "00 00 00 05 62 68 69 0D 0A"),
                row("quarantine", () -> new MilterReply.Quarantine("spam"), "00 00 00 06 71 73 70 61 6D 00"),
                row("option negotiation v2", () -> new MilterReply.OptionNegotiation(2, 0x7F, 0x50),
                        "00 00 00 0D 4F 00 00 00 02 00 00 00 7F 00 00 00 50"),
                row("option negotiation v6 with macro lists", () -> new MilterReply.OptionNegotiation(6,
                                MilterCodes.V6_ACTIONS, 0x750, Map.of(
                                        MacroStage.CONNECT, MilterMacroNames.of("j", "{client_addr}"),
                                        MacroStage.EOM, MilterMacroNames.of("i"))),
                        "00 00 00 27 4F 00 00 00 06 00 00 01 FF 00 00 07 50"
                                + " 00 00 00 00 6A 20 7B 63 6C 69 65 6E 74 5F 61 64 64 72 7D 00"
                                + " 00 00 00 05 69 00"));
    }

    private static Arguments row(String name, Supplier<MilterReply> reply, String hex) {
        return Arguments.of(name, reply, hex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replyVectors")
    void encodesExactBytes(String name, Supplier<MilterReply> reply, String expectedHex) {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterReplyEncoder());
        channel.writeOutbound(reply.get());
        assertEquals(expectedHex, hex(WireBytes.drainOutbound(channel)));
        assertDrained(channel);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replyVectors")
    void decodesSplitAtEveryByte(String name, Supplier<MilterReply> reply, String hexBytes) {
        byte[] bytes = hex(hexBytes);
        MilterReply expected = reply.get();
        try {
            for (int offset = 0; offset <= bytes.length; offset++) {
                EmbeddedChannel channel = clientDecoder();
                WireBytes.writeSplit(channel, bytes, offset);
                MilterReply decoded = channel.readInbound();
                assertEquals(expected, decoded, "split at " + offset);
                ReferenceCountUtil.release(decoded);
                assertDrained(channel);
            }
        } finally {
            ReferenceCountUtil.release(expected);
        }
    }

    @Test
    void decodesMailfromdsObservedV6ReplyWithItsFiveMacroLists() {
        // observed: mailfromd 8.15 with a filter that reads every macro answers 6, 0x1ff, 0x750 and 202 bytes of lists
        Map<MacroStage, MilterMacroNames> lists = new EnumMap<>(MacroStage.class);
        lists.put(MacroStage.CONNECT, MilterMacroNames.parseList("{client_addr} {client_name} j {daemon_name}"));
        lists.put(MacroStage.HELO, MilterMacroNames.parseList("s {tls_version}"));
        lists.put(MacroStage.ENVFROM, MilterMacroNames.parseList("f {mail_addr} {mail_host} {mail_mailer} i {auth_authen}"));
        lists.put(MacroStage.ENVRCPT, MilterMacroNames.parseList("{rcpt_addr} {rcpt_host} {rcpt_mailer}"));
        lists.put(MacroStage.EOM, MilterMacroNames.parseList("i {client_addr} {mail_addr}"));
        MilterReply.OptionNegotiation observed = new MilterReply.OptionNegotiation(6, 0x1FF, 0x750, lists);
        ByteBuf wire = MilterReplyEncoder.encode(ByteBufAllocator.DEFAULT, observed, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        assertEquals(4 + 1 + 12 + 202, wire.readableBytes());

        EmbeddedChannel channel = clientDecoder();
        channel.writeInbound(wire);
        MilterReply.OptionNegotiation decoded = channel.readInbound();
        assertEquals(observed, decoded);
        assertEquals("{client_addr}", decoded.macroLists().get(MacroStage.CONNECT).name(0));
        assertEquals(6, decoded.macroLists().get(MacroStage.ENVFROM).size());
        assertDrained(channel);
    }

    @Test
    void ignoresBytesAfterAVersion2Reply() {
        EmbeddedChannel channel = clientDecoder();
        channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 10 4F 00 00 00 02 00 00 00 7F 00 00 03 50 01 02 03")));
        assertEquals(new MilterReply.OptionNegotiation(2, 0x7F, 0x350), channel.readInbound());
        assertDrained(channel);
    }

    @Test
    void ignoresAMacroListForAnUnknownStage() {
        EmbeddedChannel channel = clientDecoder();
        channel.writeInbound(Unpooled.wrappedBuffer(hex(
                "00 00 00 19 4F 00 00 00 06 00 00 01 FF 00 00 07 50 00 00 00 09 6A 00 00 00 00 05 69 00")));
        MilterReply.OptionNegotiation reply = channel.readInbound();
        assertEquals(Map.of(MacroStage.EOM, MilterMacroNames.of("i")), reply.macroLists());
        assertDrained(channel);
    }

    @Test
    void rejectsAStageListedTwice() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(hex(
                "00 00 00 19 4F 00 00 00 06 00 00 01 FF 00 00 07 50 00 00 00 05 6A 00 00 00 00 05 69 00"))));
        assertEquals("SMFIR_OPTNEG: SETSYMLIST stage SMFIM_EOM listed twice", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsATruncatedMacroListRecord() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(hex(
                "00 00 00 0F 4F 00 00 00 06 00 00 01 FF 00 00 07 50 00 00"))));
        assertEquals("SMFIR_OPTNEG: SETSYMLIST stage needs 4 bytes, 2 left", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAShortOptionNegotiationReply() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 05 4F 00 00 00 06"))));
        assertEquals("SMFIR_OPTNEG: 4 bytes (expected: >= 12)", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsDataAfterAReplyWithoutPayload() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 03 63 01 02"))));
        assertEquals("SMFIR_CONTINUE: 2 unexpected bytes after the last field", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAReplyCodeWithoutItsNul() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 04 79 35 35 30"))));
        assertEquals("SMFIR_REPLYCODE text: missing NUL terminator after 3 bytes", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsSetSymListAsAPacketOfItsOwn() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 01 6C"))));
        assertEquals("SMFIR_SETSYMLIST: only allowed inside an SMFIR_OPTNEG reply, not as a packet of its own",
                e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAnUnknownReplyCode() {
        EmbeddedChannel channel = clientDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 01 7A"))));
        assertEquals("unknown reply code 0x7a ('z') (expected: one of the SMFIR_* codes)", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void replaceBodyIsARetainedSliceReleasedWithThePacket() {
        ByteBuf wire = Unpooled.wrappedBuffer(hex("00 00 00 03 62 0D 0A"));
        EmbeddedChannel channel = clientDecoder();
        channel.writeInbound(wire);
        MilterReply.ReplaceBody body = channel.readInbound();
        assertEquals(1, wire.refCnt());
        assertSame(MilterCodes.ActionFlag.CHGBODY, body.requiredAction());
        body.release();
        assertEquals(0, wire.refCnt());
        assertDrained(channel);
    }

    @Test
    void replyEncoderWritesTheReplacementBodyWithoutCopying() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterReplyEncoder());
        ByteBuf chunk = Unpooled.directBuffer().writeBytes(new byte[] {'x', '\r', '\n'});
        channel.writeOutbound(new MilterReply.ReplaceBody(chunk));
        ByteBuf header = channel.readOutbound();
        assertEquals("00 00 00 04 62", hex(header));
        header.release();
        ByteBuf content = channel.readOutbound();
        assertSame(chunk, content);
        content.release();
        assertDrained(channel);
    }

    private static EmbeddedChannel clientDecoder() {
        return new EmbeddedChannel(new MilterFrameDecoder(), new MilterReplyDecoder());
    }
}
