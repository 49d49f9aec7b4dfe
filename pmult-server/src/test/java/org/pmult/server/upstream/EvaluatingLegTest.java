package org.pmult.server.upstream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.session.MultiplexSession;
import org.pmult.server.session.SessionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Conversations with a client in evaluation mode ("trial") next to an enforcing one ("mfd"): MeTA1
 * gets only what mfd decides, trial sees what a Sendmail would have shown it, and trial's answers
 * are counted.
 */
class EvaluatingLegTest {

    private static final String SEID = "E1";

    private final Meta1Requests meta1 = new Meta1Requests(SEID);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PmultMetrics metrics = new PmultMetrics(registry);
    private final RecordingLeg trial = new RecordingLeg("trial");
    private final RecordingLeg mfd = new RecordingLeg("mfd");
    private final MultiplexSession session = new MultiplexSession(SEID, "192.0.2.10", new SessionContext(plan(),
            PmilterCodes.ALL_MASK, 65536, ImmediateEventExecutor.INSTANCE, null),
            List.of(new EvaluatingLeg(trial, new EvaluationRecorder("trial", metrics.forEvaluation("trial")), SEID), mfd));

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void aRejectAtMailIsCountedNotAppliedAndTheMilterSeesNoMoreOfThatMessage() throws Exception {
        send(meta1.connect("192.0.2.10"));
        trial.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 trial says no"));
        assertEquals(ReplyCode.CONTINUE, send(meta1.mail("<a@b.example>")).code(), "MeTA1 does not get trial's reject");
        assertEquals(ReplyCode.CONTINUE, send(meta1.rcpt("<bob@example.net>")).code());
        assertEquals(ReplyCode.CONTINUE, send(meta1.data()).code());
        send(meta1.msg("Subject: hi\r\n\r\nhello\r\n"));
        assertEquals(ReplyCode.CONTINUE, send(meta1.dot()).code());

        assertEquals(List.of("connect", "mail <a@b.example>", "abort"), trial.calls,
                "after its reject trial sees nothing of the message, which ends with ABORT");
        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <bob@example.net>", "data", "header Subject", "eoh",
                "body hello\r\n", "eom"), mfd.calls);
        assertEquals(1.0, verdicts("mail", "reject"));
        assertEquals(1.0, verdicts("connect", "continue"));

        send(meta1.mail("<a@b.example>"));
        assertEquals("mail <a@b.example>", trial.calls.get(trial.calls.size() - 1), "consulted again next transaction");
    }

    @Test
    void aRejectedRecipientOnlyRefusesThatRecipientAndTheEnforcingClientStillDecides() throws Exception {
        send(meta1.connect("192.0.2.10"));
        send(meta1.mail("<a@b.example>"));
        trial.answers(LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.1.1 trial: no such user"));
        assertEquals(ReplyCode.CONTINUE, send(meta1.rcpt("<blocked@example.net>")).code());
        mfd.answers(LegVerdict.of(LegVerdict.Kind.TEMPFAIL));
        assertEquals(ReplyCode.TEMPFAIL, send(meta1.rcpt("<carol@example.net>")).code(), "mfd's verdict applies as usual");

        assertEquals(List.of("connect", "mail <a@b.example>", "rcpt <blocked@example.net>", "rcpt <carol@example.net>"),
                trial.calls);
        assertEquals(1.0, verdicts("rcpt", "reject"));
        assertEquals(1.0, verdicts("rcpt", "continue"));
    }

    @Test
    void changesAtEndOfMessageAreCountedAndNotCarriedToMeta1() throws Exception {
        send(meta1.connect("192.0.2.10"));
        send(meta1.mail("<a@b.example>"));
        send(meta1.data());
        send(meta1.msg("Subject: hi\r\n\r\nhello\r\n"));
        trial.answers(new LegVerdict(LegVerdict.Kind.CONTINUE, null, List.of(
                        new PmilterModification.AddHeader("X-Spam", "yes"),
                        new PmilterModification.DeleteRecipient("<bob@example.net>")), false));
        PmilterResponse.Reply reply = send(meta1.dot());

        assertEquals(ReplyCode.CONTINUE, reply.code());
        assertEquals(List.of(), reply.modifications());
        assertEquals(1.0, modifications("add-hdr"));
        assertEquals(1.0, modifications("del-rcpt"));
        assertEquals(1.0, verdicts("eom", "continue"));
    }

    @Test
    void anAcceptEndsTheMessageForTheMilterButNeverAcceptsForOthers() throws Exception {
        send(meta1.connect("192.0.2.10"));
        trial.answers(LegVerdict.ACCEPT);
        assertEquals(ReplyCode.CONTINUE, send(meta1.mail("<a@b.example>")).code());
        mfd.answers(LegVerdict.of(LegVerdict.Kind.REJECT));
        assertEquals(ReplyCode.REJECT, send(meta1.rcpt("<bob@example.net>")).code());
        send(meta1.abort());

        assertEquals(List.of("connect", "mail <a@b.example>", "abort"), trial.calls);
        assertEquals(1.0, verdicts("mail", "accept"));
    }

    @Test
    void aFailedMilterIsCountedOnceAndThenLeftAloneUntilQuit() throws Exception {
        trial.answers(new LegVerdict(LegVerdict.Kind.TEMPFAIL, null, List.of(), true));
        assertEquals(ReplyCode.CONTINUE, send(meta1.connect("192.0.2.10")).code(), "its default action is not applied either");
        send(meta1.mail("<a@b.example>"));
        send(meta1.abort());
        session.closed(CloseReason.CLOSE_COMMAND);

        assertEquals(List.of("connect", "quit"), trial.calls);
        assertEquals(1.0, verdicts("connect", "tempfail"));
    }

    // --- helpers -------------------------------------------------------------------------------

    private double verdicts(String stage, String action) {
        return registry.get(MeterNames.EVALUATION_VERDICTS).tags(MeterNames.TAG_CLIENT, "trial",
                MeterNames.TAG_STAGE, stage, MeterNames.TAG_ACTION, action).counter().count();
    }

    private double modifications(String kind) {
        return registry.get(MeterNames.EVALUATION_MODIFICATIONS).tags(MeterNames.TAG_CLIENT, "trial",
                MeterNames.TAG_KIND, kind).counter().count();
    }

    private static MacroPlan plan() {
        List<MacroPlan.ClientNeeds> needs = new ArrayList<>();
        for (String name : List.of("trial", "mfd")) {
            needs.add(new MacroPlan.ClientNeeds(name, Map.of(), true));
        }
        return MacroPlan.build(new MacroCatalog(Map.of()), Map.of(), needs);
    }

    private PmilterResponse.Reply send(PmilterRequest.SessionRequest request) throws Exception {
        return session.handle(request).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }
}
