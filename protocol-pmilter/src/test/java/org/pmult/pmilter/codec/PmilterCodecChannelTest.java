package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.pmilter.client.PmilterClientCodec;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterCodes.Tag;
import org.pmult.pmilter.server.PmilterServerCodec;

/** The codecs in a pipeline: every vector split at every byte, both roles round-tripping, and the limits. */
class PmilterCodecChannelTest {

    static Stream<Arguments> requests() throws Exception {
        return Stream.concat(MessageVectorsTest.requests(), Stream.of(
                Arguments.of("worked NEGOTIATE", WorkedExamplesTest.NEGOTIATE, WorkedExamplesTest.NEGOTIATE_MESSAGE),
                Arguments.of("worked CONNECT", WorkedExamplesTest.CONNECT, WorkedExamplesTest.CONNECT_MESSAGE),
                Arguments.of("worked MAIL", WorkedExamplesTest.MAIL, WorkedExamplesTest.MAIL_MESSAGE)));
    }

    static Stream<Arguments> responses() {
        return Stream.concat(MessageVectorsTest.responses(), Stream.of(
                Arguments.of("worked NEGOTIATE_REPLY", WorkedExamplesTest.NEGOTIATE_REPLY,
                        WorkedExamplesTest.NEGOTIATE_REPLY_MESSAGE),
                Arguments.of("worked REJECT", WorkedExamplesTest.REPLY_REJECT, WorkedExamplesTest.REJECT_MESSAGE),
                Arguments.of("worked DOT reply", WorkedExamplesTest.REPLY_DOT_ADD_HEADER,
                        WorkedExamplesTest.ADD_HEADER_MESSAGE)));
    }

    @ParameterizedTest(name = "server decodes {0} split at every byte")
    @MethodSource("requests")
    void serverDecodesRequestSplitAtEveryByte(String name, String hex, PmilterRequest expected) {
        byte[] frame = Hex.bytes(hex);
        for (int split = 1; split < frame.length; split++) {
            EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
            assertFalse(channel.writeInbound(Unpooled.copiedBuffer(frame, 0, split)), "nothing before byte " + split);
            assertTrue(channel.writeInbound(Unpooled.copiedBuffer(frame, split, frame.length - split)));
            PmilterRequest decoded = channel.readInbound();
            try {
                assertEquals(expected, decoded, "split at " + split);
            } finally {
                ReferenceCountUtil.release(decoded);
            }
            assertFalse(channel.finish());
        }
    }

    @ParameterizedTest(name = "client decodes {0} split at every byte")
    @MethodSource("responses")
    void clientDecodesResponseSplitAtEveryByte(String name, String hex, PmilterResponse expected) {
        byte[] frame = Hex.bytes(hex);
        for (int split = 1; split < frame.length; split++) {
            EmbeddedChannel channel = new EmbeddedChannel(new PmilterClientCodec());
            assertFalse(channel.writeInbound(Unpooled.copiedBuffer(frame, 0, split)), "nothing before byte " + split);
            assertTrue(channel.writeInbound(Unpooled.copiedBuffer(frame, split, frame.length - split)));
            assertEquals(expected, channel.readInbound(), "split at " + split);
            assertFalse(channel.finish());
        }
    }

    @ParameterizedTest(name = "server decodes {0} fed one byte at a time")
    @MethodSource("requests")
    void serverDecodesRequestFedOneByteAtATime(String name, String hex, PmilterRequest expected) {
        byte[] frame = Hex.bytes(hex);
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        for (byte b : frame) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        PmilterRequest decoded = channel.readInbound();
        try {
            assertEquals(expected, decoded);
        } finally {
            ReferenceCountUtil.release(decoded);
        }
        assertFalse(channel.finish());
    }

    @ParameterizedTest(name = "client encodes {0} byte-exactly and the server decodes it")
    @MethodSource("requests")
    void requestRoundTripsThroughBothCodecs(String name, String hex, PmilterRequest message) {
        EmbeddedChannel client = new EmbeddedChannel(new PmilterClientCodec());
        EmbeddedChannel server = new EmbeddedChannel(new PmilterServerCodec());
        // The encoder releases a Msg; keep the shared test vector alive.
        assertTrue(client.writeOutbound(message instanceof PmilterRequest.Msg msg ? msg.retainedDuplicate() : message));
        ByteBuf wire = client.readOutbound();
        assertEquals(Hex.normalize(hex), Hex.of(wire));
        assertTrue(server.writeInbound(wire));
        PmilterRequest decoded = server.readInbound();
        try {
            assertEquals(message, decoded);
        } finally {
            ReferenceCountUtil.release(decoded);
        }
        assertFalse(client.finish());
        assertFalse(server.finish());
    }

    @ParameterizedTest(name = "server encodes {0} byte-exactly and the client decodes it")
    @MethodSource("responses")
    void responseRoundTripsThroughBothCodecs(String name, String hex, PmilterResponse message) {
        EmbeddedChannel server = new EmbeddedChannel(new PmilterServerCodec());
        EmbeddedChannel client = new EmbeddedChannel(new PmilterClientCodec());
        assertTrue(server.writeOutbound(message));
        ByteBuf wire = server.readOutbound();
        assertEquals(Hex.normalize(hex), Hex.of(wire));
        assertTrue(client.writeInbound(wire));
        assertEquals(message, client.readInbound());
        assertFalse(server.finish());
        assertFalse(client.finish());
    }

    @Test
    void decodesSeveralMessagesArrivingInOneRead() {
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        byte[] ping = FrameBuilder.message(Command.PING.value()).build();
        byte[] abort = FrameBuilder.session(Command.ABORT.value(), "S9").build();
        ByteBuf input = Unpooled.wrappedBuffer(ping, abort, ping, new byte[] {0, 0});
        channel.writeInbound(input);
        assertEquals(new PmilterRequest.Ping(), channel.readInbound());
        assertEquals(new PmilterRequest.Abort("S9"), channel.readInbound());
        assertEquals(new PmilterRequest.Ping(), channel.readInbound());
        assertNull(channel.readInbound(), "two bytes of the next length prefix are not a message");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void msgChunkIsASliceOfTheReceivedBytesNotACopy() {
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        byte[] chunk = new byte[1000];
        ByteBuf input = Unpooled.wrappedBuffer(FrameBuilder.session(Command.MSG.value(), "S1").entry(Tag.CHUNK, chunk).build());
        channel.writeInbound(input);
        PmilterRequest.Msg msg = channel.readInbound();
        assertEquals(1, input.refCnt(), "the chunk keeps the received buffer alive");
        assertEquals(1000, msg.chunk().readableBytes());
        msg.release();
        assertEquals(0, input.refCnt());
        assertFalse(channel.finish());
    }

    @Test
    void acceptsMessageExactlyAtTheConfiguredMaximum() {
        int max = PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH;
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec(max));
        byte[] frame = largestMsg();
        assertEquals(max, frame.length - PmilterCodes.LENGTH_FIELD_LENGTH);
        channel.writeInbound(Unpooled.wrappedBuffer(frame));
        PmilterRequest.Msg msg = channel.readInbound();
        assertEquals(PmilterCodes.MAX_CHUNK_LENGTH, msg.chunk().readableBytes());
        assertEquals("s".repeat(PmilterCodes.MAX_SEID_LENGTH), msg.seid());
        msg.release();
        assertFalse(channel.finish());
    }

    @Test
    void rejectsMessageOneByteOverTheConfiguredMaximumFromItsLengthPrefixAlone() {
        int max = PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH;
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec(max));
        byte[] prefix = {0, 0, 0, 0};
        ByteBuf input = Unpooled.wrappedBuffer(prefix);
        input.setInt(0, max + 1);
        PmilterCodecException error = assertThrows(PmilterCodecException.class, () -> channel.writeInbound(input));
        assertEquals("message length: " + (max + 1) + " (expected: 12.." + max + ") at offset 0", error.getMessage());
        assertFalse(channel.isOpen());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void acceptsTheLargestChunkSeidAndMacroCount() {
        PmilterMacros.Builder eight = PmilterMacros.builder();
        for (int i = 1; i <= PmilterCodes.MAX_MACROS_PER_STAGE; i++) {
            eight.add(i, "v" + i);
        }
        PmilterRequest.Data data = new PmilterRequest.Data("s".repeat(PmilterCodes.MAX_SEID_LENGTH), eight.build());
        assertEquals(data, PmilterWire.decodeRequest(PmilterWire.encode(data)));
    }

    @Test
    void acceptsEightMacroRequestsPerStage() {
        List<Macro> eight = List.of(Macro.values()).subList(0, PmilterCodes.MAX_MACROS_PER_STAGE);
        PmilterResponse.NegotiateReply reply = new PmilterResponse.NegotiateReply(0x7f, 0, Map.of(Stage.CONNECT, eight));
        assertEquals(reply, PmilterWire.decodeResponse(PmilterWire.encode(reply)));
    }

    @Test
    void encoderRefusesAMessageTheServerWouldRefuse() {
        int max = PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH;
        EmbeddedChannel server = new EmbeddedChannel(new PmilterServerCodec(max));
        PmilterResponse.Reply reply = new PmilterResponse.Reply("S1", ReplyCode.CONTINUE, null,
                List.of(new PmilterModification.ReplaceBody(new byte[max])));
        EncoderException error = assertThrows(EncoderException.class, () -> server.writeOutbound(reply));
        // PROT, CMD, SEID "S1", RCODE, MOD, and the body in two MOD_VALUE entries (65536 + the rest).
        int overhead = 12 + 12 + 10 + 12 + 12 + 8 + 8;
        assertEquals("cannot send REPLY to session S1: message length: " + (max + overhead) + " (expected: <= " + max + ")",
                error.getMessage());
        assertNull(server.readOutbound());
        assertFalse(server.finishAndReleaseAll());
    }

    @Test
    void clientEncoderSendsTheLargestMsgWithoutCopyingTheChunk() {
        EmbeddedChannel client = new EmbeddedChannel(new PmilterClientCodec(PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH));
        ByteBuf chunk = Unpooled.buffer(PmilterCodes.MAX_CHUNK_LENGTH).writeZero(PmilterCodes.MAX_CHUNK_LENGTH);
        client.writeOutbound(new PmilterRequest.Msg("s".repeat(PmilterCodes.MAX_SEID_LENGTH), chunk));
        ByteBuf wire = client.readOutbound();
        assertEquals(1, chunk.refCnt(), "the frame still references the caller's chunk");
        assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(largestMsg()), wire));
        wire.release();
        assertEquals(0, chunk.refCnt());
        assertFalse(client.finish());
    }

    @Test
    void refusesMaxMessageLengthOutsideItsBounds() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new PmilterServerCodec(1000));
        assertEquals("maxMessageLength: 1000 (expected: " + PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH + ".."
                + PmilterCodes.MAX_CONFIGURABLE_MAX_MESSAGE_LENGTH + ")", error.getMessage());
    }

    @Test
    void splitsAReplacedBodyLargerThanOneChunkAndJoinsItAgain() {
        byte[] body = new byte[PmilterCodes.MAX_CHUNK_LENGTH * 2 + 5];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        PmilterResponse.Reply reply = new PmilterResponse.Reply("S1", ReplyCode.CONTINUE, null,
                List.of(new PmilterModification.ReplaceBody(body)));
        byte[] wire = PmilterWire.encode(reply);
        List<Integer> valueLengths = new ArrayList<>();
        ByteBuf buf = Unpooled.wrappedBuffer(wire);
        for (int i = 4; i < wire.length; ) {
            int length = buf.getInt(i);
            if (buf.getInt(i + 4) == Tag.MOD_VALUE.value()) {
                valueLengths.add(length);
            }
            i += 8 + length;
        }
        assertEquals(List.of(PmilterCodes.MAX_CHUNK_LENGTH, PmilterCodes.MAX_CHUNK_LENGTH, 5), valueLengths);
        assertEquals(reply, PmilterWire.decodeResponse(wire));
    }

    @Test
    void keepsUnknownMacroIdsForForwardCompatibility() {
        PmilterRequest decoded = PmilterWire.decodeRequest(FrameBuilder.session(Command.DOT.value(), "S1")
                .intEntry(Tag.MACID, 99).stringEntry(Tag.MACVAL, "future").build());
        PmilterRequest.Dot dot = assertInstanceOf(PmilterRequest.Dot.class, decoded);
        assertEquals(99, dot.macros().id(0));
        assertNull(dot.macros().macro(0));
        assertEquals("future", dot.macros().valueOf(99));
    }

    private static byte[] largestMsg() {
        return FrameBuilder.session(Command.MSG.value(), "s".repeat(PmilterCodes.MAX_SEID_LENGTH))
                .entry(Tag.CHUNK, new byte[PmilterCodes.MAX_CHUNK_LENGTH]).build();
    }
}
