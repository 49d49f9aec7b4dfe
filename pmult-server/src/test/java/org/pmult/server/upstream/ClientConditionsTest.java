package org.pmult.server.upstream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
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

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
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

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingLeg cond = new RecordingLeg("cond");
    private final RecordingLeg mfd = new RecordingLeg("mfd");
    private MultiplexSession session;

    @Test
    void falseAtConnectTheClientSeesNothingOfTheSessionAndDecidesNothing() throws Exception {
        start("client-address(10.0.0.0/8)");
        assertEquals(ReplyCode.CONTINUE, connect("192.0.2.10").code());
        send(helo("client.example"));
        mfd.answers(LegVerdict.ACCEPT);
        assertEquals(ReplyCode.ACCEPT, send(mail("<a@b.example>", PmilterMacros.EMPTY)).code(),
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
        connect("192.0.2.10");
        cond.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 cond says no"));
        PmilterResponse.Reply reply = send(mail("<a@b.example>", PmilterMacros.EMPTY));
        assertEquals(ReplyCode.REJECT, reply.code());
        assertEquals(List.of("connect", "mail <a@b.example>"), cond.calls);
        assertEquals(List.of("connect"), mfd.calls, "refused by cond first, in client order");
    }

    @Test
    void falseAtHeloTheClientHasSeenConnectOnlyAndGetsQuitAtTheEnd() throws Exception {
        start("helo(*.example.com)");
        connect("192.0.2.10");
        send(helo("unknown.example.net"));
        send(mail("<a@b.example>", PmilterMacros.EMPTY));
        send(new PmilterRequest.Abort(SEID));
        session.closed(CloseReason.CLOSE_COMMAND);

        assertEquals(List.of("connect", "quit"), cond.calls);
        assertEquals(1.0, sessions("skipped"));
    }

    @Test
    void falseAtMailTheClientGetsAbortAndTheNextTransactionIsDecidedAfresh() throws Exception {
        start("sender-domain(example.org)");
        connect("192.0.2.10");
        send(helo("client.example"));
        assertEquals(ReplyCode.CONTINUE, send(mail("<a@other.example>", PmilterMacros.EMPTY)).code());
        send(rcpt("<bob@example.net>"));
        send(new PmilterRequest.Abort(SEID));
        send(mail("<a@example.org>", PmilterMacros.EMPTY));
        send(rcpt("<bob@example.net>"));
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
        connect("192.0.2.10");
        send(mail("<a@other.example>", PmilterMacros.EMPTY));
        send(mail("<a@example.org>", PmilterMacros.EMPTY));
        assertEquals(List.of("connect", "mail <a@example.org>"), cond.calls);
    }

    @Test
    void authenticationComesFromMeta1sMacrosAtEachMail() throws Exception {
        start("not(authenticated)");
        connect("192.0.2.10");
        send(mail("<a@b.example>", PmilterMacros.of(Macro.AUTH_TYPE, "PLAIN", Macro.AUTH_AUTHEN, "alice")));
        send(new PmilterRequest.Abort(SEID));
        assertEquals(List.of("connect"), cond.calls, "an authenticated client's mail skips cond, which never saw it");
    }

    @Test
    void recipientDomainIsTrueAtTheFirstAcceptedMatchAndFalseAtDataWhenNoneMatched() throws Exception {
        start("recipient-domain(example.net)");
        connect("192.0.2.10");
        send(mail("<a@b.example>", PmilterMacros.EMPTY));
        send(rcpt("<x@other.example>"));
        send(new PmilterRequest.Data(SEID, PmilterMacros.EMPTY));
        send(msg("Subject: hi\r\n\r\nhello\r\n"));
        send(dot());
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <x@other.example>", "abort"), cond.calls,
                "consulted while undecided, ended at DATA");

        cond.calls.clear();
        send(mail("<a@b.example>", PmilterMacros.EMPTY));
        mfd.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.1.1 no"));
        send(rcpt("<refused@example.net>"));
        send(rcpt("<bob@example.net>"));
        send(new PmilterRequest.Data(SEID, PmilterMacros.EMPTY));
        send(msg("Subject: hi\r\n\r\nhello\r\n"));
        send(dot());
        assertEquals(List.of("mail <a@b.example>", "rcpt <refused@example.net>", "rcpt <bob@example.net>", "data",
                "header Subject", "eoh", "body hello\r\n", "eom"), cond.calls);
    }

    @Test
    void aMessageGrowingPastTheLimitEndsForTheClientMidMessage() throws Exception {
        start("size-below(20)");
        connect("192.0.2.10");
        send(mail("<a@b.example>", PmilterMacros.EMPTY));
        send(new PmilterRequest.Data(SEID, PmilterMacros.EMPTY));
        send(msg("Subject: hi\r\n"));
        send(msg("\r\n" + "x".repeat(30) + "\r\n"));
        assertEquals(ReplyCode.CONTINUE, send(dot()).code());
        assertEquals(List.of("connect", "mail <a@b.example>", "data", "abort"), cond.calls,
                "no header was complete before the limit passed");
        assertEquals(List.of("connect", "mail <a@b.example>", "data", "header Subject", "eoh",
                "body " + "x".repeat(30) + "\r\n", "eom"), mfd.calls);
    }

    @Test
    void sizeDeclaredWithMailDecidesAtMail() throws Exception {
        start("size-above(1M)");
        connect("192.0.2.10");
        send(new PmilterRequest.Mail(SEID, "<a@b.example>", "SIZE=4000000 BODY=8BITMIME", PmilterMacros.EMPTY));
        send(new PmilterRequest.Abort(SEID));
        send(new PmilterRequest.Mail(SEID, "<a@b.example>", "SIZE=4000", PmilterMacros.EMPTY));
        assertEquals(List.of("connect", "mail <a@b.example>", "abort"), cond.calls,
                "the ABORT of the first transaction; the second was decided at MAIL and never reached cond");
    }

    @Test
    void aSkippedClientsRejectNeverReachesMeta1() throws Exception {
        start("any(client-address(10.0.0.0/8), sender-domain(example.org))");
        connect("192.0.2.10");
        cond.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 would refuse"));
        assertEquals(ReplyCode.CONTINUE, send(mail("<a@b.example>", PmilterMacros.EMPTY)).code());
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

    private PmilterResponse.Reply connect(String address) throws Exception {
        return send(new PmilterRequest.Connect(SEID, InetAddress.getByName(address), 40001, "mx.example",
                PmilterMacros.EMPTY));
    }

    private static PmilterRequest.Ehlo helo(String name) {
        return new PmilterRequest.Ehlo(SEID, name, HeloKind.EHLO, PmilterMacros.EMPTY);
    }

    private static PmilterRequest.Mail mail(String sender, PmilterMacros macros) {
        return new PmilterRequest.Mail(SEID, sender, null, macros);
    }

    private static PmilterRequest.Rcpt rcpt(String path) {
        return new PmilterRequest.Rcpt(SEID, path, 0, null, PmilterMacros.EMPTY);
    }

    private static PmilterRequest.Msg msg(String text) {
        return new PmilterRequest.Msg(SEID, Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    private static PmilterRequest.Dot dot() {
        return new PmilterRequest.Dot(SEID, PmilterMacros.EMPTY);
    }

    private PmilterResponse.Reply send(PmilterRequest.SessionRequest request) throws Exception {
        return session.handle(request).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }
}
