package org.pmult.server.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.server.config.MacroStage;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.MacroPlan;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conversations: MeTA1 sends a command, the scripted milters answer, MeTA1 gets the combined reply. */
class MultiplexSessionTest {

    private static final String SEID = "S1";

    private final ScriptedLeg first = new ScriptedLeg("first");
    private final ScriptedLeg second = new ScriptedLeg("second");

    @Test
    void carriesTheFirstRejectInClientOrderWithItsTextAndNeverShowsTheCommandToLaterMilters() throws Exception {
        MultiplexSession session = connected(session(first, second));
        first.next(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 first says no"));
        PmilterResponse.Reply reply = send(session, mail());
        assertEquals(ReplyCode.REJECT, reply.code());
        assertEquals("550 5.7.1 first says no", reply.text());
        assertEquals(List.of("connect", "mail <a@b.example>"), first.calls);
        assertEquals(List.of("connect"), second.calls, "a MAIL the first milter refused never reaches the second");
    }

    @Test
    void aRecipientRefusedByTheFirstMilterNeverReachesTheSecondButTheNextOneDoes() throws Exception {
        MultiplexSession session = connected(session(first, second));
        send(session, mail());
        first.next(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.1.1 no such user"));
        assertEquals(ReplyCode.REJECT, send(session, rcpt("<blocked@example.net>", 0)).code());
        assertEquals(ReplyCode.CONTINUE, send(session, rcpt("<bob@example.net>", 1)).code());
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <blocked@example.net>", "rcpt <bob@example.net>"),
                first.calls);
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <bob@example.net>"), second.calls);
    }

    @Test
    void aConnectionRefusedByTheFirstMilterNeverReachesTheSecond() throws Exception {
        MultiplexSession session = session(first, second);
        first.next(LegVerdict.withText(LegVerdict.Kind.TEMPFAIL, "421 4.7.0 go away"));
        assertEquals(ReplyCode.TEMPFAIL, connect(session).code());
        assertEquals(List.of(), second.calls);
    }

    @Test
    void anAcceptByTheFirstMilterStillLetsTheSecondDecide() throws Exception {
        MultiplexSession session = connected(session(first, second));
        first.next(LegVerdict.ACCEPT);
        second.next(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 second says no"));
        PmilterResponse.Reply reply = send(session, mail());
        assertEquals(ReplyCode.REJECT, reply.code());
        assertEquals("550 5.7.1 second says no", reply.text());
        assertEquals(List.of("connect", "mail <a@b.example>"), second.calls);
    }

    @Test
    void aMessageRejectedByTheFirstMilterNeverEndsAtTheSecond() throws Exception {
        MultiplexSession session = connected(session(first, second));
        send(session, mail());
        send(session, rcpt("<bob@example.net>", 0));
        send(session, data());
        assertEquals(ReplyCode.CONTINUE, send(session, msg("Subject: hi\r\n\r\nhello\r\n")).code());
        first.nextAtEom(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 spam"));
        second.nextAtEom(new LegVerdict(LegVerdict.Kind.CONTINUE, null,
                List.of(new PmilterModification.AddHeader("DKIM-Signature", "v=1")), false));
        PmilterResponse.Reply dot = send(session, dot());
        assertEquals(ReplyCode.REJECT, dot.code());
        assertEquals(List.of(), dot.modifications());
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <bob@example.net>", "data",
                "header Subject= hi", "eoh", "body hello\r\n"), second.calls, "no end of message, so nothing signed");
    }

    /** A Message-ID with 8-bit bytes: logs show it readably, the milter gets the bytes as they came. */
    @Test
    void anEightBitMessageIdIsLoggedReadablyAndSentUnchanged() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = inData(milter);
        String utf8 = new String("<caf\u00e9@example.com>".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        send(session, msg("Message-ID: " + utf8 + "\r\nX-Latin1: caf\u00e9\r\n\r\nbody\r\n"));
        assertEquals("<caf\u00e9@example.com>", session.messageId(), "UTF-8 bytes shown as what they encode");
        assertTrue(milter.calls.contains("header Message-ID= " + utf8), milter.calls.toString());
        assertTrue(milter.calls.contains("header X-Latin1= caf\u00e9"), "the Latin-1 byte 0xE9 unchanged: " + milter.calls);
    }

    @Test
    void aHeaderRejectedByTheFirstMilterNeverReachesTheSecond() throws Exception {
        MultiplexSession session = connected(session(first, second));
        send(session, mail());
        send(session, data());
        // A header goes out once the next line shows it is not folded: From with the first chunk, Subject with the second.
        assertEquals(ReplyCode.CONTINUE, send(session, msg("From: a@b.example\r\nSubject: buy\r\n")).code());
        first.next(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 bad subject"));
        assertEquals(ReplyCode.REJECT, send(session, msg("\r\nbody\r\n")).code());
        assertEquals(List.of("connect", "mail <a@b.example>", "data", "header From= a@b.example"), second.calls);
    }

    @Test
    void refusesOnlyTheRejectedRecipientAndCountsRecipientsInMacros() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = connected(session(new MacroPlan.ClientNeeds("mfd",
                Map.of(MacroStage.RCPT, List.of("{rcpt_addr}", "{nrcpts}", "{nbadrcpts}")), true), milter));
        send(session, mail());
        milter.next(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.1.1 no such user"));
        assertEquals(ReplyCode.REJECT, send(session, rcpt("<blocked@example.net>", 0)).code());
        assertEquals(ReplyCode.CONTINUE, send(session, rcpt("<bob@example.net>", 1)).code());
        assertEquals(ReplyCode.CONTINUE, send(session, rcpt("<carol@example.net>", 2)).code());
        assertEquals(Map.of("{rcpt_addr}", "carol@example.net", "{nrcpts}", "1", "{nbadrcpts}", "1"),
                milter.macrosSeen.get(milter.macrosSeen.size() - 1));
    }

    @Test
    void answersAcceptOnlyWhenEveryMilterAcceptedAndConsultsThemAgainNextTransaction() throws Exception {
        MultiplexSession session = connected(session(first, second));
        first.next(LegVerdict.ACCEPT);
        assertEquals(ReplyCode.CONTINUE, send(session, mail()).code());
        second.next(LegVerdict.ACCEPT);
        assertEquals(ReplyCode.ACCEPT, send(session, rcpt("<x@y.example>", 0)).code());
        assertEquals(List.of("connect", "mail <a@b.example>"), first.calls, "an accepting milter is not asked again");
        assertEquals(ReplyCode.CONTINUE, send(session, abort()).code());
        send(session, mail());
        assertEquals(List.of("connect", "mail <a@b.example>", "abort", "mail <a@b.example>"), first.calls,
                "asked again after the transaction");
    }

    @Test
    void anAbortOutsideATransactionReachesNoMilterAsInPostfix() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = connected(session(milter));
        assertEquals(ReplyCode.CONTINUE, send(session, abort()).code());
        send(session, mail());
        assertEquals(ReplyCode.CONTINUE, send(session, abort()).code());
        assertEquals(ReplyCode.CONTINUE, send(session, abort()).code());
        assertEquals(List.of("connect", "mail <a@b.example>", "abort"), milter.calls,
                "SMFIC_ABORT only after the milter saw MAIL, once per transaction (smtpd's NEED_MILTER_ABORT)");
    }

    @Test
    void splitsTheDataStageIntoHeadersEohBodyAndEndOfMessageWithModifications() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = inData(milter);
        String message = "Subject: hi\r\nMessage-ID: <m1@example>\r\n\r\nhello\r\n";
        int half = 20;
        assertEquals(ReplyCode.CONTINUE, send(session, msg(message.substring(0, half))).code());
        assertEquals(ReplyCode.CONTINUE, send(session, msg(message.substring(half))).code());
        milter.nextAtEom(new LegVerdict(LegVerdict.Kind.CONTINUE, null,
                List.of(new PmilterModification.AddHeader("X-Scanned", "yes")), false));
        PmilterResponse.Reply dot = send(session, dot());
        assertEquals(ReplyCode.CONTINUE, dot.code());
        assertEquals(List.of(new PmilterModification.AddHeader("X-Scanned", "yes")), dot.modifications());
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <bob@example.net>", "data",
                "header Subject= hi", "header Message-ID= <m1@example>", "eoh", "body hello\r\n", "eom"), milter.calls);
    }

    @Test
    void closesAnAcceptedMessageWithAbortAtDotBeforeTheNextTransaction() throws Exception {
        ScriptedLeg accepting = new ScriptedLeg("accepting");
        ScriptedLeg other = new ScriptedLeg("other");
        MultiplexSession session = connected(session(accepting, other));
        accepting.next(LegVerdict.ACCEPT);
        send(session, mail());
        assertEquals(ReplyCode.CONTINUE, send(session, dot()).code());
        send(session, mail());
        assertEquals(List.of("connect", "mail <a@b.example>", "abort", "mail <a@b.example>"), accepting.calls);
        assertEquals(List.of("connect", "mail <a@b.example>", "eoh", "eom", "mail <a@b.example>"), other.calls);
    }

    @Test
    void dropsModificationsSmtpsDidNotOffer() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = connected(session(
                PmilterCodes.STAGE_CAPS_MASK | PmilterCodes.Capability.MOD_HDR.bit(), 65536, milter));
        send(session, mail());
        milter.nextAtEom(new LegVerdict(LegVerdict.Kind.CONTINUE, null, List.of(
                new PmilterModification.AddRecipient("<extra@example.net>"),
                new PmilterModification.AddHeader("X-Kept", "1")), false));
        PmilterResponse.Reply dot = send(session, dot());
        assertEquals(List.of(new PmilterModification.AddHeader("X-Kept", "1")), dot.modifications());
    }

    @Test
    void releasesAMilterThatFailedWithADefaultContinueButKeepsAskingAStickyTempfail() throws Exception {
        ScriptedLeg failedContinue = new ScriptedLeg("lenient");
        ScriptedLeg failedTempfail = new ScriptedLeg("strict");
        MultiplexSession session = session(failedContinue, failedTempfail);
        failedContinue.next(new LegVerdict(LegVerdict.Kind.CONTINUE, null, List.of(), true));
        failedTempfail.next(new LegVerdict(LegVerdict.Kind.TEMPFAIL, null, List.of(), true));
        assertEquals(ReplyCode.TEMPFAIL, connect(session).code());
        failedTempfail.next(new LegVerdict(LegVerdict.Kind.TEMPFAIL, null, List.of(), true));
        assertEquals(ReplyCode.TEMPFAIL, send(session, mail()).code());
        assertEquals(List.of("connect"), failedContinue.calls);
    }

    @Test
    void sendsEachMilterOnlyItsPlannedMacrosWithPmultAndMeta1Values() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = session(new MacroPlan.ClientNeeds("mfd",
                Map.of(MacroStage.CONNECT, List.of("{client_addr}", "j", "i", "{multiplexer}")), true), milter);
        session.handle(new PmilterRequest.Connect(SEID, InetAddress.getByName("192.0.2.10"), 40001, "mx.example",
                PmilterMacros.of(Macro.HOSTNAME, "smtps.example"))).toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertEquals(Map.of("{client_addr}", "192.0.2.10", "j", "smtps.example", "i", SEID, "{multiplexer}", "pmult"),
                milter.macrosSeen.get(0));
    }

    @Test
    void closesEveryLegOnceWhenTheSessionEnds() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = connected(session(milter));
        session.closed(CloseReason.CONNECTION_CLOSED);
        session.closed(CloseReason.CLOSE_COMMAND);
        assertEquals(1, milter.closes);
        assertEquals(ReplyCode.ERROR, send(session, mail()).code());
    }

    @Test
    void rejectsAMessageWhoseHeaderBlockIsTooLargeAndSessionGoesOn() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = connected(session(PmilterCodes.ALL_MASK, 64, milter));
        send(session, mail());
        PmilterResponse.Reply reply = send(session, msg("X-Long: " + "a".repeat(100) + "\r\n"));
        assertEquals(ReplyCode.REJECT, reply.code());
        assertTrue(reply.text().startsWith("552 "));
        assertEquals(ReplyCode.CONTINUE, send(session, abort()).code());
        assertEquals(ReplyCode.CONTINUE, send(session, mail()).code());
    }

    // --- helpers -------------------------------------------------------------------------------

    private static MultiplexSession session(ScriptedLeg... legs) {
        return session(PmilterCodes.ALL_MASK, 65536, legs);
    }

    /** A session offered {@code offeredCaps} by MeTA1 that takes header blocks up to {@code maxHeaderBytes}. */
    private static MultiplexSession session(int offeredCaps, int maxHeaderBytes, ScriptedLeg... legs) {
        return session(plan(legs.length), offeredCaps, maxHeaderBytes, legs);
    }

    private static MultiplexSession session(MacroPlan.ClientNeeds needs, ScriptedLeg leg) {
        return session(MacroPlan.build(new MacroCatalog(Map.of()), Map.of(), List.of(needs)), PmilterCodes.ALL_MASK, 65536,
                leg);
    }

    private static MultiplexSession session(MacroPlan plan, int offeredCaps, int maxHeaderBytes, ScriptedLeg... legs) {
        return new MultiplexSession(SEID, "192.0.2.10", new SessionContext(plan, offeredCaps, maxHeaderBytes,
                ImmediateEventExecutor.INSTANCE, null), List.of(legs));
    }

    /** {@code session} after MeTA1's CONNECT. */
    private static MultiplexSession connected(MultiplexSession session) throws Exception {
        connect(session);
        return session;
    }

    private static MacroPlan plan(int clients) {
        List<MacroPlan.ClientNeeds> needs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            needs.add(new MacroPlan.ClientNeeds("c" + i, Map.of(), true));
        }
        return MacroPlan.build(new MacroCatalog(Map.of()), Map.of(), needs);
    }

    private static PmilterResponse.Reply connect(MultiplexSession session) throws Exception {
        return send(session, new PmilterRequest.Connect(SEID, InetAddress.getByName("192.0.2.10"), 40001, "mx.example",
                PmilterMacros.EMPTY));
    }

    private static PmilterRequest.Mail mail() {
        return new PmilterRequest.Mail(SEID, "<a@b.example>", null, PmilterMacros.EMPTY);
    }

    /** A session with {@code legs} that has reached DATA with one recipient. */
    private static MultiplexSession inData(ScriptedLeg... legs) throws Exception {
        MultiplexSession session = connected(session(legs));
        send(session, mail());
        send(session, rcpt("<bob@example.net>", 0));
        send(session, data());
        return session;
    }

    private static PmilterRequest.Rcpt rcpt(String path, int index) {
        return new PmilterRequest.Rcpt(SEID, path, index, null, PmilterMacros.EMPTY);
    }

    private static PmilterRequest.Data data() {
        return new PmilterRequest.Data(SEID, PmilterMacros.EMPTY);
    }

    private static PmilterRequest.Dot dot() {
        return new PmilterRequest.Dot(SEID, PmilterMacros.EMPTY);
    }

    private static PmilterRequest.Abort abort() {
        return new PmilterRequest.Abort(SEID);
    }

    private static PmilterRequest.Msg msg(String text) {
        return new PmilterRequest.Msg(SEID, Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    private static PmilterResponse.Reply send(MultiplexSession session, PmilterRequest.SessionRequest request) throws Exception {
        return session.handle(request).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }

    /** A milter that answers CONTINUE unless told otherwise, and records every step it got. */
    private static final class ScriptedLeg implements MilterLeg {
        final String name;
        final List<String> calls = new ArrayList<>();
        final List<Map<String, String>> macrosSeen = new ArrayList<>();
        final Deque<LegVerdict> answers = new ArrayDeque<>();
        LegVerdict eomAnswer;
        int closes;

        ScriptedLeg(String name) {
            this.name = name;
        }

        void next(LegVerdict verdict) {
            answers.add(verdict);
        }

        void nextAtEom(LegVerdict verdict) {
            eomAnswer = verdict;
        }

        private CompletionStage<LegVerdict> answer(String call, MilterMacros macros) {
            calls.add(call);
            if (macros != null) {
                macrosSeen.add(macros.toMap());
            }
            LegVerdict verdict = answers.poll();
            return CompletableFuture.completedFuture(verdict == null ? LegVerdict.CONTINUE : verdict);
        }

        @Override
        public String clientName() {
            return name;
        }

        @Override
        public CompletionStage<LegVerdict> connect(MilterMacros macros, String hostname, InetAddress address, int port) {
            return answer("connect", macros);
        }

        @Override
        public CompletionStage<LegVerdict> helo(MilterMacros macros, String helo) {
            return answer("helo " + helo, macros);
        }

        @Override
        public CompletionStage<LegVerdict> mail(MilterMacros macros, String sender, String esmtpArgs) {
            return answer("mail " + sender, macros);
        }

        @Override
        public CompletionStage<LegVerdict> rcpt(MilterMacros macros, String recipient, String esmtpArgs) {
            return answer("rcpt " + recipient, macros);
        }

        @Override
        public CompletionStage<LegVerdict> data(MilterMacros macros) {
            return answer("data", macros);
        }

        @Override
        public CompletionStage<LegVerdict> header(MilterMacros macros, String headerName, String value) {
            return answer("header " + headerName + "=" + value, null);
        }

        @Override
        public CompletionStage<LegVerdict> endOfHeaders(MilterMacros macros) {
            return answer("eoh", macros);
        }

        @Override
        public CompletionStage<LegVerdict> body(MilterMacros macros, ByteBuf chunk) {
            try {
                return answer("body " + chunk.toString(StandardCharsets.ISO_8859_1), null);
            } finally {
                chunk.release();
            }
        }

        @Override
        public CompletionStage<LegVerdict> endOfMessage(MilterMacros macros) {
            calls.add("eom");
            LegVerdict verdict = eomAnswer == null ? LegVerdict.CONTINUE : eomAnswer;
            return CompletableFuture.completedFuture(verdict);
        }

        @Override
        public CompletionStage<LegVerdict> unknown(String commandLine) {
            return answer("unknown " + commandLine, null);
        }

        @Override
        public void abort() {
            calls.add("abort");
        }

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    void forwardsHeloAndKeepsTheSessionIdInEveryStage() throws Exception {
        ScriptedLeg milter = new ScriptedLeg("mfd");
        MultiplexSession session = connected(session(new MacroPlan.ClientNeeds("mfd",
                Map.of(MacroStage.HELO, List.of("s", "i")), true), milter));
        assertEquals(ReplyCode.CONTINUE, send(session, new PmilterRequest.Ehlo(SEID, "mail.example", HeloKind.EHLO,
                PmilterMacros.EMPTY)).code());
        assertEquals(Map.of("s", "mail.example", "i", SEID), milter.macrosSeen.get(1));
        assertNull(session.messageId());
        assertFalse(milter.calls.isEmpty());
    }
}
