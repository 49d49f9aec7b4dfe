package org.pmult.sim.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.sim.testing.Simulators.TIMEOUT;
import static org.pmult.sim.testing.Simulators.run;
import static org.pmult.sim.testing.Simulators.scenario;
import static org.pmult.sim.testing.Simulators.simulator;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.testing.Reaction;
import org.pmult.sim.testing.Received;
import org.pmult.sim.testing.ScriptedPmilter;
import org.pmult.sim.testing.Simulators;

/**
 * MeTA1's failure rules (§10.9) against a pmilter that never answers one command, answers ERROR, or
 * drops the connection: {@code abort}, {@code accept_but_reconnect}, and neither flag.
 */
class SimulatorFailurePolicyTest {

    /** S1 meets the hanging recipient on the first connection; S2 comes after it. */
    private static final String SESSIONS = """
            session S1
              ehlo client.example
              mail <a@example.com>
              rcpt <ok1@example.net>
              rcpt <slow@example.net>
              rcpt <ok2@example.net>
              data
              message
            Subject: test
            .
              dot
            session S2
              ehlo client.example
              mail <b@example.com>
              rcpt <ok3@example.net>
              data
              message
            Subject: second
            .
              dot
            """;

    @BeforeAll
    static void warmUp() throws Exception {
        Simulators.warmUp();
    }

    private static ScriptedPmilter hangingOnSlowRecipientOfFirstConnection() {
        return ScriptedPmilter.startInet().on(r -> r.connection() == 1 && r.command() == Command.RCPT
                && r.argument().equals("<slow@example.net>") ? Reaction.hang() : null);
    }

    @Test
    void abortEndsTheSessionWith421AndReconnectsForTheNextSession() throws Exception {
        try (ScriptedPmilter pmilter = hangingOnSlowRecipientOfFirstConnection();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT)) {

            SimulationReport report = run(simulator, scenario(SESSIONS));

            SessionResult s1 = report.session("S1");
            CommandResult slow = s1.byRequest("rcpt <slow@example.net>");
            assertEquals(ReplyCode.SHUTDOWN, slow.code());
            assertEquals(Meta1Replies.FAILURE_ABORT, slow.text());
            assertTrue(slow.text().startsWith("421 4.3.0"));
            assertTrue(slow.synthesized());
            assertEquals(PmilterFailure.TIMEOUT, slow.failure());
            assertTrue(slow.latency().compareTo(TIMEOUT) >= 0, slow.latency()::toString);
            assertEquals(SessionEnd.ABORTED_BY_FAILURE_POLICY, s1.end());
            assertEquals("rcpt <slow@example.net>", s1.commands().get(s1.commands().size() - 1).request());

            SessionResult s2 = report.session("S2");
            assertEquals(SessionEnd.COMPLETED, s2.end());
            assertTrue(s2.commands().stream().allMatch(CommandResult::fromPmilter));
            assertTrue(pmilter.received("S2").stream().allMatch(r -> r.connection() == 2));
            assertEquals(2, pmilter.connectionsAccepted());
            // the first connection was dropped, which ended S1 on the pmilter without a CLOSE
            await().until(() -> pmilter.closes().contains(
                    new ScriptedPmilter.Closed(1, "S1", CloseReason.CONNECTION_CLOSED)));
            assertEquals(1, report.unexpectedFailures().size());
        }
    }

    @Test
    void acceptButReconnectGoesOnUnfilteredAndReconnectsForTheNextSession() throws Exception {
        try (ScriptedPmilter pmilter = hangingOnSlowRecipientOfFirstConnection();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ACCEPT_BUT_RECONNECT)) {

            SimulationReport report = run(simulator, scenario(SESSIONS));

            SessionResult s1 = report.session("S1");
            assertEquals(ReplySource.PMILTER, s1.byRequest("rcpt <ok1@example.net>").source());
            CommandResult slow = s1.byRequest("rcpt <slow@example.net>");
            assertEquals(ReplyCode.CONTINUE, slow.code());
            assertTrue(slow.synthesized());
            assertEquals(PmilterFailure.TIMEOUT, slow.failure());
            for (String later : List.of("rcpt <ok2@example.net>", "data", "dot")) {
                CommandResult result = s1.byRequest(later);
                assertEquals(ReplyCode.CONTINUE, result.code(), later);
                assertEquals(ReplySource.UNFILTERED, result.source(), later);
            }
            assertEquals(SessionEnd.COMPLETED, s1.end());
            // nothing of S1 reached the pmilter after the hanging recipient
            assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.RCPT, Command.RCPT),
                    pmilter.commands("S1"));

            SessionResult s2 = report.session("S2");
            assertTrue(s2.commands().stream().allMatch(CommandResult::fromPmilter));
            assertTrue(pmilter.received("S2").stream().allMatch(r -> r.connection() == 2));
            assertEquals(2, pmilter.connectionsAccepted());
            await().until(() -> pmilter.closes().contains(
                    new ScriptedPmilter.Closed(1, "S1", CloseReason.CONNECTION_CLOSED)));
        }
    }

    @Test
    void withoutFlagsTheCommandGets451AndTheNextGoesOverAFreshConnection() throws Exception {
        try (ScriptedPmilter pmilter = hangingOnSlowRecipientOfFirstConnection();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.TEMPFAIL)) {

            SimulationReport report = run(simulator, scenario(SESSIONS));

            SessionResult s1 = report.session("S1");
            CommandResult slow = s1.byRequest("rcpt <slow@example.net>");
            assertEquals(ReplyCode.TEMPFAIL, slow.code());
            assertEquals(Meta1Replies.FAILURE_TEMPFAIL, slow.text());
            assertTrue(slow.text().startsWith("451 4.3.0"));
            assertEquals(PmilterFailure.TIMEOUT, slow.failure());
            CommandResult next = s1.byRequest("rcpt <ok2@example.net>");
            assertEquals(ReplyCode.CONTINUE, next.code());
            assertEquals(ReplySource.PMILTER, next.source());
            assertTrue(next.resynchronised());
            assertEquals(ReplySource.PMILTER, s1.first(Command.DOT).source());
            assertEquals(SessionEnd.COMPLETED, s1.end());

            // on the fresh connection the session was replayed up to the accepted recipients, then went on
            List<Received> second = pmilter.received("S1").stream().filter(r -> r.connection() == 2).toList();
            assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.RCPT, Command.RCPT, Command.DATA,
                    Command.MSG, Command.DOT), second.stream().map(Received::command).toList());
            assertEquals("<ok1@example.net>", second.get(3).argument());
            assertEquals(0, second.get(3).recipientIndex());
            assertEquals("<ok2@example.net>", second.get(4).argument());
            assertEquals(2, second.get(4).recipientIndex());
            assertEquals(2, pmilter.connectionsAccepted());
            assertTrue(report.session("S2").commands().stream().allMatch(CommandResult::fromPmilter));
        }
    }

    @Test
    void errorRepliesAreTreatedLikeTimeouts() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(r -> r.connection() == 1 && r.command() == Command.MAIL ? Reaction.reply(ReplyCode.ERROR) : null);
             Meta1Simulator abort = simulator(pmilter.address(), FailurePolicy.ABORT)) {

            SessionResult s1 = run(abort, scenario(SESSIONS)).session("S1");

            CommandResult mail = s1.first(Command.MAIL);
            assertEquals(ReplyCode.SHUTDOWN, mail.code());
            assertEquals(PmilterFailure.ERROR_REPLY, mail.failure());
            assertEquals(SessionEnd.ABORTED_BY_FAILURE_POLICY, s1.end());
            await().until(() -> pmilter.connectionsClosed() >= 1);
        }
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(r -> r.connection() == 1 && r.command() == Command.MAIL ? Reaction.reply(ReplyCode.ERROR) : null);
             Meta1Simulator none = simulator(pmilter.address(), FailurePolicy.TEMPFAIL)) {

            SessionResult s1 = run(none, scenario(SESSIONS)).session("S1");

            CommandResult mail = s1.first(Command.MAIL);
            assertEquals(ReplyCode.TEMPFAIL, mail.code());
            assertEquals(PmilterFailure.ERROR_REPLY, mail.failure());
            // MAIL was refused, so the transaction's commands are answered by smtps itself
            assertEquals(ReplySource.SMTP, s1.byRequest("rcpt <ok1@example.net>").source());
            assertEquals(2, pmilter.connectionsAccepted());
        }
    }

    @Test
    void aLostConnectionIsAFailureOfTheCommandInFlight() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(r -> r.connection() == 1 && r.command() == Command.DATA ? Reaction.disconnect() : null);
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.TEMPFAIL)) {

            SimulationReport report = run(simulator, scenario(SESSIONS));

            SessionResult s1 = report.session("S1");
            CommandResult data = s1.first(Command.DATA);
            assertEquals(ReplyCode.TEMPFAIL, data.code());
            assertEquals(PmilterFailure.CONNECTION_LOST, data.failure());
            assertTrue(data.latency().compareTo(TIMEOUT) < 0, "the loss is seen at once, not after the timeout");
            assertEquals(ReplySource.SMTP, s1.first(Command.DOT).source());
            assertTrue(report.session("S2").commands().stream().allMatch(CommandResult::fromPmilter));
        }
    }

    @Test
    void aLostConnectionUnderAbortEndsEverySessionOnIt() throws Exception {
        // S2's recipient stays unanswered; S1's slow recipient drops the connection once S2's has arrived
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(Command.RCPT, "<slow@example.net>", new Reaction.After(
                        r -> r.seid().equals("S2") && r.command() == Command.RCPT, Reaction.disconnect()))
                .on(r -> r.seid().equals("S2") && r.command() == Command.RCPT ? Reaction.hang() : null);
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT,
                     java.time.Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, scenario(SESSIONS), new RunOptions(2, 1));

            for (String session : List.of("S1", "S2")) {
                SessionResult result = report.session(session);
                assertEquals(SessionEnd.ABORTED_BY_FAILURE_POLICY, result.end(), session);
                CommandResult last = result.commands().get(result.commands().size() - 1);
                assertEquals(Command.RCPT, last.command(), session);
                assertEquals(PmilterFailure.CONNECTION_LOST, last.failure(), session);
                assertTrue(last.latency().compareTo(java.time.Duration.ofSeconds(10)) < 0, session);
            }
            assertEquals(1, pmilter.connectionsAccepted());
        }
    }

    @Test
    void aPmilterThatIsNotThereIsAFailureOfEveryCommandWithoutFlags(@TempDir Path directory) throws Exception {
        try (Meta1Simulator simulator = simulator(java.net.UnixDomainSocketAddress.of(directory.resolve("none.sock")),
                FailurePolicy.TEMPFAIL)) {

            SessionResult s1 = simulator.play(scenario("session S1\n  ehlo x\n  mail <a@b>\n").sessions().get(0), "S1")
                    .get(10, TimeUnit.SECONDS);

            assertEquals(3, s1.commands().size());
            for (CommandResult command : s1.commands()) {
                assertEquals(ReplyCode.TEMPFAIL, command.code(), command.request());
                assertEquals(PmilterFailure.CONNECT_FAILED, command.failure(), command.request());
            }
            // the session goes on after the connect failure, and every command tries a fresh connection
            assertEquals(SessionEnd.COMPLETED, s1.end());
            assertEquals(3, simulator.connectionCount());
        }
    }

    @Test
    void aPmilterThatIsNotThereLetsMailThroughWithAcceptButReconnect(@TempDir Path directory) throws Exception {
        Scenario scenario = scenario(SESSIONS);
        try (Meta1Simulator simulator = simulator(java.net.UnixDomainSocketAddress.of(directory.resolve("none.sock")),
                FailurePolicy.ACCEPT_BUT_RECONNECT)) {

            SimulationReport report = run(simulator, scenario);

            for (SessionResult session : report.sessions()) {
                assertEquals(SessionEnd.COMPLETED, session.end());
                assertTrue(session.commands().stream().allMatch(c -> c.code() == ReplyCode.CONTINUE));
                assertEquals(PmilterFailure.CONNECT_FAILED, session.first(Command.CONNECT).failure());
                assertEquals(ReplySource.UNFILTERED, session.first(Command.DOT).source());
            }
            assertFalse(report.passed(), "failures nobody expected fail a deployment check");
        }
    }

    @Test
    void aPmilterThatIsNotThereRefusesSessionsWithAbort(@TempDir Path directory) throws Exception {
        try (Meta1Simulator simulator = simulator(java.net.UnixDomainSocketAddress.of(directory.resolve("none.sock")),
                FailurePolicy.ABORT)) {

            SimulationReport report = run(simulator, scenario(SESSIONS + "  expect continue\n"));

            SessionResult s1 = report.session("S1");
            assertEquals(SessionEnd.ABORTED_BY_FAILURE_POLICY, s1.end());
            assertEquals(1, s1.commands().size());
            assertEquals(ReplyCode.SHUTDOWN, s1.commands().get(0).code());
            assertEquals("step not reached (session ended: ABORTED_BY_FAILURE_POLICY)",
                    report.session("S2").expectations().get(0).detail());
        }
    }
}
