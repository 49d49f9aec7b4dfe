package org.pmult.sim.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.sim.testing.Simulators.run;
import static org.pmult.sim.testing.Simulators.scenario;
import static org.pmult.sim.testing.Simulators.simulator;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.testing.Reaction;
import org.pmult.sim.testing.ScriptedPmilter;

/** How smtps applies each verdict to the SMTP dialogue (§10.4). */
class SimulatorVerdictTest {

    private static final String TWO_TRANSACTIONS = """
            session S1
              ehlo client.example
              mail <first@example.com>
              rcpt <one@example.net>
              rcpt <two@example.net>
              data
              message
            Subject: first
            .
              dot
              mail <second@example.com>
              rcpt <three@example.net>
              data
              message
            Subject: second
            .
              dot
            """;

    private ScriptedPmilter pmilter;
    private Meta1Simulator simulator;

    @BeforeEach
    void start() {
        pmilter = ScriptedPmilter.startInet();
        simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        simulator.close();
        pmilter.close();
    }

    @Test
    void rejectAtRcptRefusesThatRecipientOnly() throws Exception {
        pmilter.on(Command.RCPT, "<one@example.net>", Reaction.reply(ReplyCode.REJECT));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        CommandResult one = s1.byRequest("rcpt <one@example.net>");
        assertEquals(ReplyCode.REJECT, one.code());
        assertEquals(ReplyCode.REJECT.defaultText(), one.text());
        assertEquals(ReplyCode.CONTINUE, s1.byRequest("rcpt <two@example.net>").code());
        assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.RCPT, Command.RCPT, Command.DATA,
                Command.MSG, Command.DOT, Command.MAIL, Command.RCPT, Command.DATA, Command.MSG, Command.DOT),
                pmilter.commands("S1"));
    }

    @Test
    void tempfailAtEveryRcptLeavesNoRecipientSoDataIsNotSent() throws Exception {
        pmilter.on(r -> r.command() == Command.RCPT && !r.argument().equals("<three@example.net>")
                ? Reaction.reply(ReplyCode.TEMPFAIL, "450 4.2.0 Mailbox busy") : null);

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        assertEquals("450 4.2.0 Mailbox busy", s1.byRequest("rcpt <two@example.net>").text());
        CommandResult data = s1.all(Command.DATA).get(0);
        assertEquals(ReplyCode.REJECT, data.code());
        assertEquals(Meta1Replies.NO_VALID_RECIPIENTS, data.text());
        assertEquals(ReplySource.SMTP, data.source());
        assertEquals(ReplySource.SMTP, s1.all(Command.DOT).get(0).source());
        // the second transaction is asked in full
        assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.RCPT, Command.RCPT,
                Command.MAIL, Command.RCPT, Command.DATA, Command.MSG, Command.DOT), pmilter.commands("S1"));
    }

    @Test
    void rejectOrDiscardAtMailEndsTheTransaction() throws Exception {
        pmilter.on(Command.MAIL, "<first@example.com>", Reaction.reply(ReplyCode.REJECT, "550 5.7.1 Not you"));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        assertEquals("550 5.7.1 Not you", s1.byRequest("mail <first@example.com>").text());
        CommandResult rcpt = s1.byRequest("rcpt <one@example.net>");
        assertEquals(ReplyCode.REJECT, rcpt.code());
        assertEquals(Meta1Replies.NEED_MAIL, rcpt.text());
        assertEquals(ReplySource.SMTP, rcpt.source());
        assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.MAIL, Command.RCPT, Command.DATA,
                Command.MSG, Command.DOT), pmilter.commands("S1"));
    }

    @Test
    void acceptAtMailMeansNoMoreQuestionsForTheTransaction() throws Exception {
        pmilter.on(Command.MAIL, "<first@example.com>", Reaction.reply(ReplyCode.ACCEPT));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        for (String request : List.of("rcpt <one@example.net>", "data", "dot")) {
            CommandResult result = s1.byRequest(request);
            assertEquals(ReplyCode.ACCEPT, result.code(), request);
            assertEquals(ReplySource.ALREADY_DECIDED, result.source(), request);
        }
        assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.MAIL, Command.RCPT, Command.DATA,
                Command.MSG, Command.DOT), pmilter.commands("S1"));
    }

    @Test
    void discardAtRcptDiscardsTheMessageWithoutAskingAgain() throws Exception {
        pmilter.on(Command.RCPT, "<one@example.net>", Reaction.reply(ReplyCode.DISCARD));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        CommandResult dot = s1.all(Command.DOT).get(0);
        assertEquals(ReplyCode.DISCARD, dot.code());
        assertEquals(ReplySource.ALREADY_DECIDED, dot.source());
        assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.RCPT, Command.MAIL, Command.RCPT,
                Command.DATA, Command.MSG, Command.DOT), pmilter.commands("S1"));
    }

    @Test
    void rejectAtAMessageChunkStopsTheMessageAndIsTheDotsReply() throws Exception {
        pmilter.on(r -> r.command() == Command.MSG && r.argument().contains("first")
                ? Reaction.reply(ReplyCode.REJECT, "554 5.7.1 Spam") : null);

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        CommandResult dot = s1.all(Command.DOT).get(0);
        assertEquals(ReplyCode.REJECT, dot.code());
        assertEquals("554 5.7.1 Spam", dot.text());
        assertEquals(ReplySource.ALREADY_DECIDED, dot.source());
        assertEquals(1, pmilter.commands("S1").stream().filter(c -> c == Command.DOT).count());
    }

    @Test
    void acceptAtConnectCoversTheWholeSession() throws Exception {
        pmilter.on(Command.CONNECT, Reaction.reply(ReplyCode.ACCEPT));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        assertTrue(s1.commands().stream().skip(1).allMatch(c -> c.source() == ReplySource.ALREADY_DECIDED
                && c.code() == ReplyCode.ACCEPT));
        assertEquals(List.of(Command.CONNECT), pmilter.commands("S1"));
        await().until(() -> pmilter.closes().contains(new ScriptedPmilter.Closed(1, "S1", CloseReason.CLOSE_COMMAND)));
    }

    @Test
    void rejectAtConnectRefusesTheSession() throws Exception {
        pmilter.on(Command.CONNECT, Reaction.reply(ReplyCode.REJECT, "554 5.7.1 Go away"));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        assertEquals(SessionEnd.REFUSED_AT_CONNECT, s1.end());
        assertEquals(1, s1.commands().size());
        assertEquals("554 5.7.1 Go away", s1.commands().get(0).text());
        await().until(() -> pmilter.closes().contains(new ScriptedPmilter.Closed(1, "S1", CloseReason.CLOSE_COMMAND)));
    }

    @Test
    void shutdownEndsTheSessionWith421AndClosesIt() throws Exception {
        pmilter.on(Command.EHLO, Reaction.reply(ReplyCode.SHUTDOWN));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        assertEquals(SessionEnd.SHUTDOWN, s1.end());
        CommandResult ehlo = s1.first(Command.EHLO);
        assertEquals(ReplyCode.SHUTDOWN, ehlo.code());
        assertTrue(ehlo.text().startsWith("421 "));
        assertFalse(ehlo.synthesized());
        assertEquals(List.of(Command.CONNECT, Command.EHLO), pmilter.commands("S1"));
        await().until(() -> pmilter.closes().contains(new ScriptedPmilter.Closed(1, "S1", CloseReason.CLOSE_COMMAND)));
    }

    @Test
    void abortIsSentForAnOpenTransactionOnly() throws Exception {
        SessionResult s1 = run(simulator, scenario("""
                session S1
                  abort
                  mail <a@b>
                  rcpt <c@d>
                  abort
                  mail <e@f>
                  rcpt <g@h>
                  data
                  message
                x
                .
                  abort
                """)).session("S1");

        assertEquals(ReplySource.SMTP, s1.all(Command.ABORT).get(0).source());
        assertEquals(ReplySource.PMILTER, s1.all(Command.ABORT).get(1).source());
        assertEquals(ReplySource.PMILTER, s1.all(Command.ABORT).get(2).source());
        assertEquals(List.of(Command.CONNECT, Command.MAIL, Command.RCPT, Command.ABORT, Command.MAIL, Command.RCPT,
                Command.DATA, Command.MSG, Command.ABORT), pmilter.commands("S1"));
    }

    @Test
    void discardBeforeMailIsAProtocolViolation() throws Exception {
        pmilter.on(Command.EHLO, Reaction.reply(ReplyCode.DISCARD));

        SessionResult s1 = run(simulator, scenario(TWO_TRANSACTIONS)).session("S1");

        CommandResult ehlo = s1.first(Command.EHLO);
        assertEquals(PmilterFailure.PROTOCOL_VIOLATION, ehlo.failure());
        assertEquals(ReplyCode.SHUTDOWN, ehlo.code());
        assertEquals(SessionEnd.ABORTED_BY_FAILURE_POLICY, s1.end());
    }

    @Test
    void passesUnknownCommandsAndTheirReplies() throws Exception {
        pmilter.on(Command.UNKNOWN, Reaction.reply(ReplyCode.REJECT, "502 5.5.2 No"));

        SessionResult s1 = run(simulator, scenario("session S1\n  unknown XYZZY now\n")).session("S1");

        assertEquals("502 5.5.2 No", s1.byRequest("unknown XYZZY now").text());
        assertEquals("XYZZY now", pmilter.received("S1").get(1).argument());
    }
}
