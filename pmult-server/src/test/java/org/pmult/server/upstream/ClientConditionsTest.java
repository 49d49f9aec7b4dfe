package org.pmult.server.upstream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.server.condition.ClientCondition;
import org.pmult.server.condition.ConditionParser;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.metrics.ConditionMeters;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.session.MultiplexSession;
import org.pmult.server.session.SessionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Conversations with a conditional client ("cond") next to one without a condition ("mfd"): what
 * cond sees when its condition is false at each stage, and that a skipped client neither decides
 * nor holds back the others.
 */
class ClientConditionsTest {

    private static final String SEID = "C1";

    private final Meta1Requests meta1 = new Meta1Requests(SEID);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingLeg cond = new RecordingLeg("cond");
    private final RecordingLeg mfd = new RecordingLeg("mfd");
    private MultiplexSession session;

    @Test
    void falseAtConnectTheClientSeesNothingOfTheSessionAndDecidesNothing() throws Exception {
        start("client-address(10.0.0.0/8)");
        assertEquals(ReplyCode.CONTINUE, send(meta1.connect("192.0.2.10")).code());
        send(meta1.helo("client.example"));
        mfd.answers(LegVerdict.ACCEPT);
        assertEquals(ReplyCode.ACCEPT, send(meta1.mail("<a@b.example>")).code(),
                "mfd's accept is the answer: the skipped client does not hold it back");
        session.closed(CloseReason.CLOSE_COMMAND);

        assertEquals(List.of("quit"), cond.calls, "only the session's end, which finds no Milter connection to close");
        assertEquals(1.0, sessions("skipped"));
        assertEquals(0.0, sessions("applied"));
        assertEquals(1.0, transactions("skipped"));
    }

    @Test
    void trueAtConnectTheClientIsConsultedAsUsual() throws Exception {
        start("client-address(192.0.2.0/24, 2001:db8::/32)");
        send(meta1.connect("192.0.2.10"));
        cond.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 cond says no"));
        PmilterResponse.Reply reply = send(meta1.mail("<a@b.example>"));
        assertEquals(ReplyCode.REJECT, reply.code());
        assertEquals(List.of("connect", "mail <a@b.example>"), cond.calls);
        assertEquals(List.of("connect"), mfd.calls, "refused by cond first, in client order");
    }

    @Test
    void falseAtHeloTheClientHasSeenConnectOnlyAndGetsQuitAtTheEnd() throws Exception {
        start("helo(*.example.com)");
        send(meta1.connect("192.0.2.10"));
        send(meta1.helo("unknown.example.net"));
        send(meta1.mail("<a@b.example>"));
        send(meta1.abort());
        session.closed(CloseReason.CLOSE_COMMAND);

        assertEquals(List.of("connect", "quit"), cond.calls);
        assertEquals(1.0, sessions("skipped"));
    }

    @Test
    void falseAtMailTheClientGetsAbortAndTheNextTransactionIsDecidedAfresh() throws Exception {
        start("sender-domain(example.org)");
        send(meta1.connect("192.0.2.10"));
        send(meta1.helo("client.example"));
        assertEquals(ReplyCode.CONTINUE, send(meta1.mail("<a@other.example>")).code());
        send(meta1.rcpt("<bob@example.net>"));
        send(meta1.abort());
        send(meta1.mail("<a@example.org>"));
        send(meta1.rcpt("<bob@example.net>"));
        session.closed(CloseReason.CLOSE_COMMAND);

        assertEquals(List.of("connect", "helo client.example", "mail <a@example.org>", "rcpt <bob@example.net>",
                "quit"), cond.calls, "nothing of the first transaction, not even ABORT (it never saw MAIL); all of the second");
        assertEquals(List.of("connect", "helo client.example", "mail <a@other.example>", "rcpt <bob@example.net>", "abort",
                "mail <a@example.org>", "rcpt <bob@example.net>", "quit"), mfd.calls);
        assertEquals(1.0, transactions("skipped"));
        assertEquals(1.0, transactions("applied"));
        assertEquals(1.0, sessions("applied"));
    }

    @Test
    void aNewMailWithoutDotOrAbortStillReopensTheSkippedClient() throws Exception {
        start("sender-domain(example.org)");
        send(meta1.connect("192.0.2.10"));
        send(meta1.mail("<a@other.example>"));
        send(meta1.mail("<a@example.org>"));
        assertEquals(List.of("connect", "mail <a@example.org>"), cond.calls);
    }

    @Test
    void authenticationComesFromMeta1sMacrosAtEachMail() throws Exception {
        start("not(authenticated)");
        send(meta1.connect("192.0.2.10"));
        send(meta1.mail("<a@b.example>", PmilterMacros.of(Macro.AUTH_TYPE, "PLAIN", Macro.AUTH_AUTHEN, "alice")));
        send(meta1.abort());
        assertEquals(List.of("connect"), cond.calls, "an authenticated client's mail skips cond, which never saw it");
    }

    @Test
    void recipientDomainIsTrueAtTheFirstAcceptedMatchAndFalseAtDataWhenNoneMatched() throws Exception {
        start("recipient-domain(example.net)");
        send(meta1.connect("192.0.2.10"));
        send(meta1.mail("<a@b.example>"));
        send(meta1.rcpt("<x@other.example>"));
        send(meta1.data());
        send(meta1.msg("Subject: hi\r\n\r\nhello\r\n"));
        send(meta1.dot());
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <x@other.example>", "abort"), cond.calls,
                "consulted while undecided, ended at DATA");

        cond.calls.clear();
        send(meta1.mail("<a@b.example>"));
        mfd.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.1.1 no"));
        send(meta1.rcpt("<refused@example.net>"));
        send(meta1.rcpt("<bob@example.net>"));
        send(meta1.data());
        send(meta1.msg("Subject: hi\r\n\r\nhello\r\n"));
        send(meta1.dot());
        assertEquals(List.of("mail <a@b.example>", "rcpt <refused@example.net>", "rcpt <bob@example.net>", "data",
                "header Subject", "eoh", "body hello\r\n", "eom"), cond.calls);
    }

    @Test
    void aMessageGrowingPastTheLimitEndsForTheClientMidMessage() throws Exception {
        start("size-below(20)");
        send(meta1.connect("192.0.2.10"));
        send(meta1.mail("<a@b.example>"));
        send(meta1.data());
        send(meta1.msg("Subject: hi\r\n"));
        send(meta1.msg("\r\n" + "x".repeat(30) + "\r\n"));
        assertEquals(ReplyCode.CONTINUE, send(meta1.dot()).code());
        assertEquals(List.of("connect", "mail <a@b.example>", "data", "abort"), cond.calls,
                "no header was complete before the limit passed");
        assertEquals(List.of("connect", "mail <a@b.example>", "data", "header Subject", "eoh",
                "body " + "x".repeat(30) + "\r\n", "eom"), mfd.calls);
    }

    @Test
    void sizeDeclaredWithMailDecidesAtMail() throws Exception {
        start("size-above(1M)");
        send(meta1.connect("192.0.2.10"));
        send(new PmilterRequest.Mail(SEID, "<a@b.example>", "SIZE=4000000 BODY=8BITMIME", PmilterMacros.EMPTY));
        send(meta1.abort());
        send(new PmilterRequest.Mail(SEID, "<a@b.example>", "SIZE=4000", PmilterMacros.EMPTY));
        assertEquals(List.of("connect", "mail <a@b.example>", "abort"), cond.calls,
                "the ABORT of the first transaction; the second was decided at MAIL and never reached cond");
    }

    @Test
    void aSkippedClientsRejectNeverReachesMeta1() throws Exception {
        start("any(client-address(10.0.0.0/8), sender-domain(example.org))");
        send(meta1.connect("192.0.2.10"));
        cond.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 would refuse"));
        assertEquals(ReplyCode.CONTINUE, send(meta1.mail("<a@b.example>")).code());
        assertEquals(List.of("connect"), cond.calls);
    }

    // --- helpers -------------------------------------------------------------------------------

    private void start(String condition) {
        ConditionMeters meters = ConditionMeters.register(registry, "cond");
        List<ClientCondition> conditions = List.of(new ClientCondition("cond", ConditionParser.parse(condition), meters),
                ClientCondition.always("mfd"));
        session = new MultiplexSession(SEID, "192.0.2.10", new SessionContext(plan(), PmilterCodes.ALL_MASK, 65536,
                ImmediateEventExecutor.INSTANCE, null), List.of(cond, mfd), conditions);
    }

    private double sessions(String result) {
        return registry.get(MeterNames.CLIENT_CONDITION_SESSIONS).tags(MeterNames.TAG_CLIENT, "cond",
                ConditionMeters.TAG_RESULT, result).counter().count();
    }

    private double transactions(String result) {
        return registry.get(MeterNames.CLIENT_CONDITION_TRANSACTIONS).tags(MeterNames.TAG_CLIENT, "cond",
                ConditionMeters.TAG_RESULT, result).counter().count();
    }

    private static MacroPlan plan() {
        List<MacroPlan.ClientNeeds> needs = new ArrayList<>();
        for (String name : List.of("cond", "mfd")) {
            needs.add(new MacroPlan.ClientNeeds(name, Map.of(), true));
        }
        return MacroPlan.build(new MacroCatalog(Map.of()), Map.of(), needs);
    }

    private PmilterResponse.Reply send(PmilterRequest.SessionRequest request) throws Exception {
        return session.handle(request).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }
}
