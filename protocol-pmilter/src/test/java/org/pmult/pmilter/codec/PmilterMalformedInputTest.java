package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.client.PmilterClientCodec;
import org.pmult.pmilter.codec.PmilterCodecException.Problem;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ModKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCommand;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterCodes.Tag;
import org.pmult.pmilter.server.PmilterServerCodec;

/**
 * One test per class of malformed input: the decoder names what was wrong and where, closes the
 * channel, emits nothing and leaves no buffer behind.
 */
class PmilterMalformedInputTest {

    private static final int DATA = Command.DATA.value();
    private static final int PING = Command.PING.value();

    /** Offset just after PROT and CMD. */
    private static final int AFTER_CMD = 4 + 2 * PmilterCodes.INT_ENTRY_LENGTH;
    /** Offset just after PROT, CMD and a two-byte SEID. */
    private static final int AFTER_SEID = AFTER_CMD + PmilterCodes.ENTRY_HEADER_LENGTH + 2;

    @Test
    void rejectsMessageShorterThanOneEntry() {
        assertServerRejects(Problem.FRAME_LENGTH, FrameBuilder.message(PING).buildWithLength(11),
                "message length: 11 (expected: 12..1048576) at offset 0");
    }

    @Test
    void rejectsLengthPrefixOverTheMaximumBeforeTheBodyArrives() {
        byte[] prefixOnly = Arrays.copyOf(FrameBuilder.empty().buildWithLength(0xFFFF_FFFFL), 4);
        assertServerRejects(Problem.FRAME_LENGTH, prefixOnly, "message length: 4294967295 (expected: 12..1048576) at offset 0");
    }

    @Test
    void rejectsMessageThatEndsBeforeCmd() {
        assertServerRejects(Problem.HEADER, FrameBuilder.empty().intEntry(Tag.PROT, 1).build(),
                "message ends before its second entry (expected: CMD (0x0002)) at offset 16");
    }

    @Test
    void rejectsFirstEntryOtherThanProt() {
        assertServerRejects(Problem.HEADER, FrameBuilder.empty().intEntry(Tag.CMD, PING).intEntry(Tag.PROT, 1).build(),
                "first entry: CMD (0x0002) (expected: PROT (0x0001)) at offset 4");
    }

    @Test
    void rejectsSecondEntryOtherThanCmd() {
        assertServerRejects(Problem.HEADER, FrameBuilder.empty().intEntry(Tag.PROT, 1).stringEntry(Tag.SEID, "S1").build(),
                "second entry: SEID (0x0003) (expected: CMD (0x0002)) at offset 16");
    }

    @Test
    void rejectsUnsupportedProfileVersion() {
        assertServerRejects(Problem.PROFILE, FrameBuilder.empty().intEntry(Tag.PROT, 2).intEntry(Tag.CMD, PING).build(),
                "PROT: 2 (expected: 1) at offset 4");
    }

    @Test
    void rejectsTruncatedEntryHeader() {
        assertServerRejects(Problem.ENTRY_LENGTH, FrameBuilder.message(PING).raw(new byte[5]).build(),
                "entry header truncated: 5 bytes left in the message (expected: 8) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsEntryOverrunningTheMessage() {
        assertServerRejects(Problem.ENTRY_LENGTH, FrameBuilder.message(PING).entryHeader(10, 0x7777).raw(new byte[4]).build(),
                "entry tag 0x7777 value length: 10 overruns the message (expected: <= 4, the bytes left) at offset "
                        + AFTER_CMD);
    }

    @Test
    void rejectsEntryLongerThanTheWholeMessage() {
        assertServerRejects(Problem.ENTRY_LENGTH, FrameBuilder.message(PING).entryHeader(0xFFFF_FFFFL, Tag.CHUNK.value()).raw(new byte[4]).build(),
                "entry CHUNK (0x0060) value length: 4294967295 (expected: <= message length 36) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsIntegerEntryWhoseLengthIsNotFour() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(Command.CONNECT.value(), "S1")
                        .entry(Tag.CLT_ADDR, new byte[] {127, 0, 0, 1}).entry(Tag.CLT_PORT, new byte[] {0, 25}).build(),
                "CLT_PORT (0x0021) length: 2 (expected: 4) at offset " + (AFTER_SEID + 12));
    }

    @Test
    void rejectsSessionCommandWithoutSeidAsThirdEntry() {
        assertServerRejects(Problem.HEADER, FrameBuilder.message(DATA).intEntry(Tag.MACID, 1).stringEntry(Tag.SEID, "S1").build(),
                "DATA: third entry: MACID (0x0013) (expected: SEID (0x0003)) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsSessionCommandThatEndsAfterCmd() {
        assertServerRejects(Problem.HEADER, FrameBuilder.message(DATA).build(),
                "DATA: message ends before its third entry (expected: SEID (0x0003)) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsEmptySeid() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(DATA, "").build(),
                "SEID length: 0 (expected: 1..64) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsSeidOneByteOverTheLimit() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(DATA, "s".repeat(PmilterCodes.MAX_SEID_LENGTH + 1)).build(),
                "SEID length: 65 (expected: 1..64) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsSeidThatIsNotValidUtf8() {
        assertServerRejects(Problem.VALUE, FrameBuilder.message(DATA).entry(Tag.SEID, new byte[] {'S', (byte) 0xff}).build(),
                "SEID: not valid UTF-8 at offset " + AFTER_CMD);
    }

    @Test
    void rejectsChunkOneByteOverTheLimit() {
        assertServerRejects(Problem.ENTRY_LENGTH, FrameBuilder.session(Command.MSG.value(), "S1")
                        .entry(Tag.CHUNK, new byte[PmilterCodes.MAX_CHUNK_LENGTH + 1]).build(),
                "MSG: CHUNK length: 65537 (expected: <= 65536) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsMacroValueWithoutMacroId() {
        assertServerRejects(Problem.STRUCTURE, FrameBuilder.session(DATA, "S1").stringEntry(Tag.MACVAL, "x").build(),
                "DATA: MACVAL (0x0014) without a preceding MACID (0x0013) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsMacroIdWithoutValue() {
        assertServerRejects(Problem.STRUCTURE, FrameBuilder.session(DATA, "S1").intEntry(Tag.MACID, Macro.TAID.id()).build(),
                "DATA: MACID 15 is not followed by MACVAL (0x0014) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsMacroIdFollowedByAnotherKnownEntry() {
        assertServerRejects(Problem.STRUCTURE, FrameBuilder.session(Command.MAIL.value(), "S1").intEntry(Tag.MACID, Macro.TAID.id())
                        .stringEntry(Tag.MAIL, "<a@b>").build(),
                "MAIL: MACID 15 is not followed by MACVAL (0x0014) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsNineMacrosInOneRequest() {
        FrameBuilder frame = FrameBuilder.session(DATA, "S1");
        for (int i = 0; i < PmilterCodes.MAX_MACROS_PER_STAGE; i++) {
            frame.intEntry(Tag.MACID, i + 1).stringEntry(Tag.MACVAL, "v");
        }
        int ninth = frame.offset();
        frame.intEntry(Tag.MACID, 9).stringEntry(Tag.MACVAL, "v");
        assertServerRejects(Problem.STRUCTURE, frame.build(), "DATA: MACID entries: 9 (expected: <= 8) at offset " + ninth);
    }

    @Test
    void rejectsMissingRequiredEntry() {
        assertServerRejects(Problem.STRUCTURE, FrameBuilder.session(Command.CONNECT.value(), "S1")
                        .entry(Tag.CLT_ADDR, new byte[] {127, 0, 0, 1}).stringEntry(Tag.CLT_NAME, "h").build(),
                "CONNECT: missing entry CLT_PORT (0x0021)");
    }

    @Test
    void rejectsDuplicateEntry() {
        FrameBuilder frame = FrameBuilder.session(Command.MAIL.value(), "S1").stringEntry(Tag.MAIL, "<a@b>");
        int second = frame.offset();
        assertServerRejects(Problem.STRUCTURE, frame.stringEntry(Tag.MAIL, "<c@d>").build(),
                "MAIL: duplicate entry MAIL (0x0040) at offset " + second);
    }

    @Test
    void rejectsKnownEntryThatDoesNotBelongToTheCommand() {
        assertServerRejects(Problem.STRUCTURE, FrameBuilder.session(Command.EHLO.value(), "S1").stringEntry(Tag.RCPT, "<a@b>").build(),
                "EHLO: unexpected entry RCPT (0x0050) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsClientAddressOfWrongLength() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(Command.CONNECT.value(), "S1").entry(Tag.CLT_ADDR, new byte[5]).build(),
                "CLT_ADDR length: 5 (expected: 4 or 16) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsPortAbove65535() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(Command.CONNECT.value(), "S1").intEntry(Tag.CLT_PORT, 70_000).build(),
                "CLT_PORT: 70000 (expected: 0..65535) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsUnknownHeloKind() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(Command.EHLO.value(), "S1").intEntry(Tag.HELO_KIND, 2).build(),
                "HELO_KIND: 2 (expected: 0 (HELO) or 1 (EHLO)) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsUnsignedValueBeyondIntRange() {
        assertServerRejects(Problem.VALUE, FrameBuilder.session(Command.RCPT.value(), "S1").intEntry(Tag.RCPT_IDX, 0x8000_0000L).build(),
                "RCPT_IDX (0x0051): 2147483648 (expected: <= 2147483647) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsRejectReplyWithFourHundredText() {
        FrameBuilder frame = FrameBuilder.session(ReplyCommand.REPLY.value(), "S1")
                .intEntry(Tag.RCODE, ReplyCode.REJECT.value());
        int text = frame.offset();
        assertClientRejects(Problem.VALUE, frame.stringEntry(Tag.TEXT, "451 4.7.1 later").build(),
                "REPLY: TEXT for REJECT: \"451 4.7.1 later\" (expected: a 5xx SMTP reply) at offset " + text);
    }

    @Test
    void rejectsTempfailReplyWithTextThatIsNoSmtpReply() {
        FrameBuilder frame = FrameBuilder.session(ReplyCommand.REPLY.value(), "S1")
                .intEntry(Tag.RCODE, ReplyCode.TEMPFAIL.value());
        int text = frame.offset();
        assertClientRejects(Problem.VALUE, frame.stringEntry(Tag.TEXT, "try later").build(),
                "REPLY: TEXT for TEMPFAIL: \"try later\" (expected: a 4xx SMTP reply) at offset " + text);
    }

    @Test
    void rejectsUnknownReplyCode() {
        assertClientRejects(Problem.VALUE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").intEntry(Tag.RCODE, 9).build(),
                "RCODE: 9 (expected: 0..6) at offset " + AFTER_SEID);
    }

    @Test
    void rejectsReplyWithoutReplyCode() {
        assertClientRejects(Problem.STRUCTURE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").build(),
                "REPLY: missing entry RCODE (0x0080)");
    }

    @Test
    void rejectsPingReplyOtherThanContinue() {
        assertClientRejects(Problem.VALUE, FrameBuilder.message(ReplyCommand.REPLY.value()).intEntry(Tag.RCODE, ReplyCode.REJECT.value()).build(),
                "REPLY to PING: RCODE: REJECT (expected: CONTINUE)");
    }

    @Test
    void rejectsModificationEntryOutsideAGroup() {
        assertClientRejects(Problem.STRUCTURE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").intEntry(Tag.RCODE, 0)
                        .stringEntry(Tag.MOD_NAME, "X").build(),
                "REPLY: MOD_NAME (0x0092) outside a MOD (0x0090) group at offset " + (AFTER_SEID + 12));
    }

    @Test
    void rejectsUnknownModificationKind() {
        assertClientRejects(Problem.VALUE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").intEntry(Tag.RCODE, 0)
                        .intEntry(Tag.MOD, 8).build(),
                "MOD: 8 (expected: 1..7) at offset " + (AFTER_SEID + 12));
    }

    @Test
    void rejectsModificationGroupMissingAnEntry() {
        assertClientRejects(Problem.STRUCTURE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").intEntry(Tag.RCODE, 0)
                        .intEntry(Tag.MOD, ModKind.CHANGE_HDR.value()).stringEntry(Tag.MOD_NAME, "X")
                        .stringEntry(Tag.MOD_VALUE, "v").build(),
                "MOD CHANGE_HDR: missing entry MOD_IDX (0x0091) at offset " + (AFTER_SEID + 12));
    }

    @Test
    void rejectsModificationEntryThatDoesNotBelongToTheKind() {
        assertClientRejects(Problem.STRUCTURE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").intEntry(Tag.RCODE, 0)
                        .intEntry(Tag.MOD, ModKind.ADD_RCPT.value()).intEntry(Tag.MOD_IDX, 1).build(),
                "MOD ADD_RCPT: unexpected entry MOD_IDX (0x0091) at offset " + (AFTER_SEID + 24));
    }

    @Test
    void rejectsChangeHeaderWithInstanceZero() {
        assertClientRejects(Problem.VALUE, FrameBuilder.session(ReplyCommand.REPLY.value(), "S1").intEntry(Tag.RCODE, 0)
                        .intEntry(Tag.MOD, ModKind.CHANGE_HDR.value()).intEntry(Tag.MOD_IDX, 0)
                        .stringEntry(Tag.MOD_NAME, "X").stringEntry(Tag.MOD_VALUE, "v").build(),
                "MOD CHANGE_HDR: MOD_IDX: 0 (expected: 1..2147483647) at offset " + (AFTER_SEID + 12));
    }

    @Test
    void rejectsNineMacroRequestsForOneStage() {
        FrameBuilder frame = FrameBuilder.message(ReplyCommand.NEGOTIATE_REPLY.value()).intEntry(Tag.CAPS, 0x7f)
                .intEntry(Tag.MAXSESS, 0).intEntry(Tag.MACSTAGE, Stage.MAIL.id());
        for (int i = 0; i < PmilterCodes.MAX_MACROS_PER_STAGE; i++) {
            frame.intEntry(Tag.MACID, Macro.TAID.id());
        }
        int ninth = frame.offset();
        frame.intEntry(Tag.MACID, Macro.AUTH_TYPE.id());
        assertClientRejects(Problem.STRUCTURE, frame.build(),
                "NEGOTIATE_REPLY: MACID entries for MAIL: 9 (expected: <= 8) at offset " + ninth);
    }

    @Test
    void rejectsMacroRequestBeforeAnyStage() {
        assertClientRejects(Problem.STRUCTURE, FrameBuilder.message(ReplyCommand.NEGOTIATE_REPLY.value()).intEntry(Tag.MACID, 1).build(),
                "NEGOTIATE_REPLY: MACID (0x0013) before any MACSTAGE (0x0012) at offset " + AFTER_CMD);
    }

    @Test
    void rejectsNegotiateWithoutMaxSessions() {
        assertServerRejects(Problem.STRUCTURE, FrameBuilder.message(Command.NEGOTIATE.value()).intEntry(Tag.CAPS, 0xfff).build(),
                "NEGOTIATE: missing entry MAXSESS (0x0011)");
    }

    @Test
    void ignoresUnknownTagsAfterTheHeader() {
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        channel.writeInbound(Unpooled.wrappedBuffer(FrameBuilder.session(DATA, "S1").entry(0x7777, new byte[] {1, 2})
                .intEntry(Tag.MACID, Macro.HOP_COUNT.id()).entry(0x7778, new byte[0]).stringEntry(Tag.MACVAL, "2")
                .build()));
        assertEquals(new PmilterRequest.Data("S1", PmilterMacros.of(Macro.HOP_COUNT, "2")), channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void discardsEverythingAfterTheFirstMalformedMessage() {
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        byte[] good = FrameBuilder.message(PING).build();
        byte[] bad = FrameBuilder.message(PING).buildWithLength(11);
        ByteBuf input = Unpooled.wrappedBuffer(good, bad, good);
        assertThrows(PmilterCodecException.class, () -> channel.writeInbound(input));
        assertEquals(new PmilterRequest.Ping(), channel.readInbound());
        assertNull(channel.readInbound());
        assertFalse(channel.isOpen());
        assertEquals(0, input.refCnt());
        assertFalse(channel.finishAndReleaseAll());
    }

    private static void assertServerRejects(Problem problem, byte[] frame, String expectedMessage) {
        assertRejects(new PmilterServerCodec(), problem, frame, expectedMessage);
    }

    private static void assertClientRejects(Problem problem, byte[] frame, String expectedMessage) {
        assertRejects(new PmilterClientCodec(), problem, frame, expectedMessage);
    }

    private static void assertRejects(ChannelHandler codec, Problem problem, byte[] frame, String expectedMessage) {
        EmbeddedChannel channel = new EmbeddedChannel(codec);
        ByteBuf input = Unpooled.wrappedBuffer(frame);
        PmilterCodecException error = assertThrows(PmilterCodecException.class, () -> channel.writeInbound(input));
        assertEquals(expectedMessage, error.getMessage());
        assertEquals(problem, error.problem());
        assertNull(error.getCause(), "a deliberate rejection has no cause");
        assertNull(channel.readInbound(), "nothing is decoded from a malformed message");
        assertFalse(channel.isOpen(), "the connection is closed");
        assertEquals(0, input.refCnt(), "the input buffer is released");
        assertFalse(channel.finishAndReleaseAll());
    }
}
