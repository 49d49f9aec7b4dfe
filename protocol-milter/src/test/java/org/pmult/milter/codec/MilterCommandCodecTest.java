package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ReferenceCountUtil;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.milter.codec.WireBytes.assertDrained;
import static org.pmult.milter.codec.WireBytes.hex;

/** Every command: exact bytes, and a round trip through the server-side decoders split at every byte. */
class MilterCommandCodecTest {

    private static final MilterMacroNames CONNECT_MACROS = MilterMacroNames.of("{client_addr}", "{client_port}", "i");

    /** One row per command; the first three are the design spec's test vectors 1–3. */
    static Stream<Arguments> commandVectors() {
        return Stream.of(
                row("OPTNEG v6, all actions and protocol flags (spec §9.1)",
                        () -> new MilterCommand.OptionNegotiation(6, MilterCodes.V6_ACTIONS, MilterCodes.V6_PROTOCOL),
                        "00 00 00 0D 4F 00 00 00 06 00 00 01 FF 00 1F FF FF"),
                row("OPTNEG v2 (spec §9.1)",
                        () -> new MilterCommand.OptionNegotiation(2, MilterCodes.V2_ACTIONS, MilterCodes.V2_PROTOCOL),
                        "00 00 00 0D 4F 00 00 00 02 00 00 00 3F 00 00 00 7F"),
                row("connect-stage macros (spec §9.2)",
                        () -> new MilterCommand.Macros(Command.CONNECT,
                                MilterMacros.of(CONNECT_MACROS, "192.0.2.1", "40000", "S1A2B3C4")),
                        "00 00 00 39 44 43 7B 63 6C 69 65 6E 74 5F 61 64 64 72 7D 00 31 39 32 2E 30 2E 32 2E 31 00"
                                + " 7B 63 6C 69 65 6E 74 5F 70 6F 72 74 7D 00 34 30 30 30 30 00 69 00 53 31 41 32 42 33 43 34 00"),
                row("CONNECT IPv4 (spec §9.3)",
                        () -> new MilterCommand.Connect("mail.example.org", AddressFamily.INET, 40000, "192.0.2.1"),
                        "00 00 00 1F 43 6D 61 69 6C 2E 65 78 61 6D 70 6C 65 2E 6F 72 67 00 34 9C 40 31 39 32 2E 30 2E 32 2E 31 00"),
                row("CONNECT IPv6",
                        () -> new MilterCommand.Connect("mx", AddressFamily.INET6, 25, "::1"),
                        "00 00 00 0B 43 6D 78 00 36 00 19 3A 3A 31 00"),
                row("CONNECT unix socket",
                        () -> new MilterCommand.Connect("lh", AddressFamily.UNIX, 0, "/s"),
                        "00 00 00 0A 43 6C 68 00 4C 00 00 2F 73 00"),
                row("CONNECT unknown family carries no port or address",
                        () -> MilterCommand.Connect.unknown("localhost"),
                        "00 00 00 0C 43 6C 6F 63 61 6C 68 6F 73 74 00 55"),
                row("HELO", () -> new MilterCommand.Helo("mx.example"),
                        "00 00 00 0C 48 6D 78 2E 65 78 61 6D 70 6C 65 00"),
                row("MAIL with an ESMTP argument", () -> new MilterCommand.Mail("<a@b>", List.of("SIZE=10")),
                        "00 00 00 0F 4D 3C 61 40 62 3E 00 53 49 5A 45 3D 31 30 00"),
                row("RCPT", () -> new MilterCommand.Rcpt("<c@d>", List.of()),
                        "00 00 00 07 52 3C 63 40 64 3E 00"),
                row("DATA", () -> MilterCommand.DATA, "00 00 00 01 54"),
                row("HEADER", () -> new MilterCommand.Header("Subject", "hi"),
                        "00 00 00 0C 4C 53 75 62 6A 65 63 74 00 68 69 00"),
                row("EOH", () -> MilterCommand.END_OF_HEADERS, "00 00 00 01 4E"),
                row("BODY", () -> new MilterCommand.Body(Unpooled.copiedBuffer("ab\r\n", StandardCharsets.US_ASCII)),
                        "00 00 00 05 42 61 62 0D 0A"),
                row("BODYEOB", () -> MilterCommand.END_OF_MESSAGE, "00 00 00 01 45"),
                row("ABORT", () -> MilterCommand.ABORT, "00 00 00 01 41"),
                row("QUIT", () -> MilterCommand.QUIT, "00 00 00 01 51"),
                row("QUIT_NC", () -> MilterCommand.QUIT_NEW_CONNECTION, "00 00 00 01 4B"),
                row("UNKNOWN", () -> new MilterCommand.Unknown("XYZZY"), "00 00 00 07 55 58 59 5A 5A 59 00"));
    }

    private static Arguments row(String name, Supplier<MilterCommand> command, String hex) {
        return Arguments.of(name, command, hex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandVectors")
    void encodesExactBytes(String name, Supplier<MilterCommand> command, String expectedHex) {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterCommandEncoder());
        channel.writeOutbound(command.get());
        assertEquals(expectedHex, hex(WireBytes.drainOutbound(channel)));
        assertDrained(channel);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandVectors")
    void decodesSplitAtEveryByte(String name, Supplier<MilterCommand> command, String hexBytes) {
        byte[] bytes = hex(hexBytes);
        MilterCommand expected = command.get();
        try {
            for (int offset = 0; offset <= bytes.length; offset++) {
                EmbeddedChannel channel = serverDecoder();
                WireBytes.writeSplit(channel, bytes, offset);
                MilterCommand decoded = channel.readInbound();
                assertEquals(expected, decoded, "split at " + offset);
                ReferenceCountUtil.release(decoded);
                assertDrained(channel);
            }
            EmbeddedChannel channel = serverDecoder();
            WireBytes.writeByteByByte(channel, bytes);
            MilterCommand decoded = channel.readInbound();
            assertEquals(expected, decoded);
            ReferenceCountUtil.release(decoded);
            assertDrained(channel);
        } finally {
            ReferenceCountUtil.release(expected);
        }
    }

    @Test
    void bodyChunkIsWrittenWithoutCopying() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterCommandEncoder());
        ByteBuf chunk = Unpooled.directBuffer().writeBytes("line\r\n".getBytes(StandardCharsets.US_ASCII));
        channel.writeOutbound(new MilterCommand.Body(chunk));
        ByteBuf header = channel.readOutbound();
        assertEquals("00 00 00 07 42", hex(header));
        header.release();
        ByteBuf content = channel.readOutbound();
        assertSame(chunk, content);
        content.release();
        assertEquals(0, chunk.refCnt());
        assertDrained(channel);
    }

    @Test
    void bodyChunkAtTheLimitIsAcceptedAndOneByteMoreIsRefused() {
        ByteBuf atLimit = Unpooled.wrappedBuffer(new byte[MilterCodes.MAX_BODY_CHUNK]);
        MilterCommand.Body body = new MilterCommand.Body(atLimit);
        EmbeddedChannel channel = new EmbeddedChannel(new MilterCommandEncoder());
        channel.writeOutbound(body);
        assertEquals(4 + 1 + MilterCodes.MAX_BODY_CHUNK, WireBytes.drainOutbound(channel).length);
        assertDrained(channel);

        ByteBuf overLimit = Unpooled.wrappedBuffer(new byte[MilterCodes.MAX_BODY_CHUNK + 1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MilterCommand.Body(overLimit));
        assertEquals("body chunk: 65536 bytes (expected: <= 65535; split larger bodies)", e.getMessage());
        overLimit.release();
    }

    @Test
    void encoderRefusesAPacketTheFilterWouldRejectBeforeAllocating() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterCommandEncoder(16));
        // "Subject\0" + 7 value bytes + NUL = 16 payload bytes + code byte = 17 > 16
        EncoderException e = assertThrows(EncoderException.class,
                () -> channel.writeOutbound(new MilterCommand.Header("Subject", "1234567")));
        assertEquals("SMFIC_HEADER: packet length 17 (expected: <= 16)", e.getMessage());
        channel.writeOutbound(new MilterCommand.Header("Subject", "123456"));
        assertEquals(4 + 16, WireBytes.drainOutbound(channel).length);
        assertDrained(channel);
    }

    @Test
    void macrosWithUnknownValuesAreLeftOut() {
        MilterMacros macros = MilterMacros.of(CONNECT_MACROS, "192.0.2.1", null, "Q1");
        ByteBuf encoded = MilterCommandEncoder.encode(ByteBufAllocator.DEFAULT,
                new MilterCommand.Macros(Command.MAIL, macros), MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        try {
            EmbeddedChannel channel = serverDecoder();
            channel.writeInbound(encoded.retain());
            MilterCommand.Macros decoded = channel.readInbound();
            assertSame(Command.MAIL, decoded.stage());
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("{client_addr}", "192.0.2.1");
            expected.put("i", "Q1");
            assertEquals(expected, decoded.macros().toMap());
            assertDrained(channel);
        } finally {
            encoded.release();
        }
    }

    @Test
    void aCommandAndItsMacrosAreTheTwoPacketsBackToBackInOneBuffer() {
        MilterCommand.Macros macros = new MilterCommand.Macros(Command.MAIL,
                MilterMacros.of(CONNECT_MACROS, "192.0.2.1", null, "Q1"));
        MilterCommand mail = new MilterCommand.Mail("<a@example.org>", List.of("SIZE=42"));
        ByteBuf both = MilterCommandEncoder.encodeWithMacros(ByteBufAllocator.DEFAULT, macros, mail,
                MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        ByteBuf first = MilterCommandEncoder.encode(ByteBufAllocator.DEFAULT, macros, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        ByteBuf second = MilterCommandEncoder.encode(ByteBufAllocator.DEFAULT, mail, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        try {
            assertEquals(ByteBufUtil.hexDump(first) + ByteBufUtil.hexDump(second), ByteBufUtil.hexDump(both));
        } finally {
            both.release();
            first.release();
            second.release();
        }
    }

    @Test
    void aCommandWithMacrosOverTheLimitIsRefusedBeforeAllocating() {
        MilterCommand.Macros macros = new MilterCommand.Macros(Command.HELO, MilterMacros.EMPTY);
        EncoderException e = assertThrows(EncoderException.class, () -> MilterCommandEncoder.encodeWithMacros(
                ByteBufAllocator.DEFAULT, macros, new MilterCommand.Header("Subject", "1234567"), 16));
        assertEquals("SMFIC_HEADER: packet length 17 (expected: <= 16)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MilterCommandEncoder.encodeWithMacros(ByteBufAllocator.DEFAULT,
                macros, new MilterCommand.Body(Unpooled.EMPTY_BUFFER), 16));
    }

    @Test
    void aNulInsideAValueIsRefusedAndNothingLeaks() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterCommandEncoder());
        EncoderException e = assertThrows(EncoderException.class,
                () -> channel.writeOutbound(new MilterCommand.Helo("a\0b")));
        assertEquals("SMFIC_HELO name: contains a NUL byte, which Milter strings cannot carry", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAStringWithoutItsNul() {
        EmbeddedChannel channel = serverDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 03 48 6D 78"))));
        assertEquals("SMFIC_HELO name: missing NUL terminator after 2 bytes", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsTrailingBytesAfterTheLastField() {
        EmbeddedChannel channel = serverDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 02 54 00"))));
        assertEquals("SMFIC_DATA: 1 unexpected bytes after the last field", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAnUnknownCommandCode() {
        EmbeddedChannel channel = serverDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 01 5A"))));
        assertEquals("unknown command code 0x5a ('Z') (expected: one of the SMFIC_* codes)", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAShortOptionNegotiation() {
        EmbeddedChannel channel = serverDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 05 4F 00 00 00 06"))));
        assertEquals("SMFIC_OPTNEG: 4 bytes (expected: 12)", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsAMacroWithoutValue() {
        EmbeddedChannel channel = serverDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 04 44 43 6A 00"))));
        assertEquals("SMFIC_MACRO: macro j has no value", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsConnectWithoutPort() {
        EmbeddedChannel channel = serverDecoder();
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 05 43 68 00 34 01"))));
        assertEquals("SMFIC_CONNECT: port needs 2 bytes, 1 left", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void bodyAndDecoderFailureReleaseTheirBuffers() {
        ByteBuf packet = Unpooled.wrappedBuffer(hex("00 00 00 03 42 0D 0A"));
        EmbeddedChannel channel = serverDecoder();
        channel.writeInbound(packet);
        MilterCommand.Body body = channel.readInbound();
        assertEquals("0D 0A", hex(body.content()));
        body.release();
        assertEquals(0, packet.refCnt());
        assertDrained(channel);
    }

    @Property(tries = 200)
    void headersRoundTripWithAnyOctetsAndSplit(
            @ForAll @StringLength(max = 40) @CharRange(from = '\u0001', to = '\u00ff') String name,
            @ForAll @StringLength(max = 200) @CharRange(from = '\u0001', to = '\u00ff') String value,
            @ForAll @IntRange(min = 0, max = 300) int splitHint) {
        // jqwik's edge cases include NUL regardless of the range; NUL is tested on its own above
        MilterCommand header = new MilterCommand.Header(name.replace('\0', '.'), value.replace('\0', '.'));
        EmbeddedChannel encoder = new EmbeddedChannel(new MilterCommandEncoder());
        encoder.writeOutbound(header);
        byte[] bytes = WireBytes.drainOutbound(encoder);
        assertFalse(encoder.finishAndReleaseAll());
        assertEquals(name.length() + value.length() + 2 + 5, bytes.length, "one byte per char, two NULs, the frame header");
        EmbeddedChannel channel = serverDecoder();
        WireBytes.writeSplit(channel, bytes, splitHint % (bytes.length + 1));
        assertEquals(header, channel.readInbound());
        assertDrained(channel);
    }

    @Test
    void decodedCommandsAreTheTypedRecords() {
        EmbeddedChannel channel = serverDecoder();
        channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 0F 4D 3C 61 40 62 3E 00 53 49 5A 45 3D 31 30 00")));
        MilterCommand.Mail mail = assertInstanceOf(MilterCommand.Mail.class, channel.readInbound());
        assertEquals("<a@b>", mail.sender());
        assertEquals(List.of("SIZE=10"), mail.esmtpArgs());
        assertNull(channel.readInbound());
        assertTrue(channel.isActive());
        assertDrained(channel);
    }

    private static EmbeddedChannel serverDecoder() {
        return new EmbeddedChannel(new MilterFrameDecoder(), new MilterCommandDecoder());
    }
}
