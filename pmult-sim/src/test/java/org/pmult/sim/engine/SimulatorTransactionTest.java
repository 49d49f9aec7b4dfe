package org.pmult.sim.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.sim.testing.Simulators.run;
import static org.pmult.sim.testing.Simulators.scenario;
import static org.pmult.sim.testing.Simulators.simulator;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;
import org.pmult.sim.testing.Reaction;
import org.pmult.sim.testing.Received;
import org.pmult.sim.testing.ScriptedPmilter;

class SimulatorTransactionTest {

    private static final String EXAMPLE = """
            session S1 client 192.0.2.10 port 40001 name mx.example.org
              ehlo mail.example.org
              mail <alice@example.com> SIZE=100
              rcpt <bob@example.net>
              rcpt <blocked@example.net>
              expect reject 550 5.1.1 *
              data
              message
            Subject: hello
            From: <alice@example.com>

            Hi Bob,
            ..a line that starts with a dot
            .
              dot
              expect continue
              expect modification +header X-Scanned: yes
              close
            """;

    private static final String EXAMPLE_MESSAGE = "Subject: hello\r\nFrom: <alice@example.com>\r\n\r\nHi Bob,\r\n"
            + ".a line that starts with a dot\r\n";

    @Test
    void playsAFullTransactionAndReportsEveryReply() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(Command.RCPT, "<blocked@example.net>", Reaction.reply(ReplyCode.REJECT, "550 5.1.1 No such user"))
                .on(Command.DOT, Reaction.continueWith(new PmilterModification.AddHeader("X-Scanned", " yes")));
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, scenario(EXAMPLE));

            SessionResult s1 = report.session("S1");
            assertEquals(List.of("connect 192.0.2.10:40001 mx.example.org", "ehlo mail.example.org",
                    "mail <alice@example.com> SIZE=100", "rcpt <bob@example.net>", "rcpt <blocked@example.net>",
                    "data", "message " + EXAMPLE_MESSAGE.length() + " bytes", "dot"),
                    s1.commands().stream().map(CommandResult::request).toList());
            CommandResult blocked = s1.byRequest("rcpt <blocked@example.net>");
            assertEquals(ReplyCode.REJECT, blocked.code());
            assertEquals("550 5.1.1 No such user", blocked.text());
            assertEquals(ReplySource.PMILTER, blocked.source());
            assertFalse(blocked.synthesized());
            assertEquals(ReplyCode.CONTINUE, s1.byRequest("rcpt <bob@example.net>").code());
            CommandResult dot = s1.first(Command.DOT);
            assertEquals(ReplyCode.CONTINUE, dot.code());
            assertEquals(List.of("+header X-Scanned: yes"), dot.describedModifications());
            assertEquals(SessionEnd.COMPLETED, s1.end());
            assertTrue(s1.expectationsMet(), () -> s1.expectations().toString());
            assertTrue(report.passed());

            // the pmilter saw the whole transaction, in order, with the recipient indexes and the message
            assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL, Command.RCPT, Command.RCPT,
                    Command.DATA, Command.MSG, Command.DOT), pmilter.commands("S1"));
            List<Received> received = pmilter.received("S1");
            assertEquals("192.0.2.10:40001 mx.example.org", received.get(0).argument());
            assertEquals("SIZE=100", received.get(2).esmtpArgs());
            assertEquals(0, received.get(3).recipientIndex());
            assertEquals(1, received.get(4).recipientIndex());
            assertEquals(EXAMPLE_MESSAGE, pmilter.message("S1"));
            await().until(() -> pmilter.closes().contains(new ScriptedPmilter.Closed(1, "S1", CloseReason.CLOSE_COMMAND)));
        }
    }

    @Test
    void splitsTheMessageIntoChunksOfTheConfiguredSize() throws Exception {
        byte[] message = new byte[100];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) ('a' + i % 26);
        }
        message[98] = '\r';
        message[99] = '\n';
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet();
             Meta1Simulator simulator = new Meta1Simulator(org.pmult.sim.testing.Simulators.settings(pmilter.address(),
                     FailurePolicy.ABORT, Duration.ofSeconds(10)).withChunkSize(16))) {

            run(simulator, Scenario.of(SessionScript.builder("S1").mail("<a@b>").rcpt("<c@d>").data()
                    .message(message).dot().build()));

            List<String> chunks = pmilter.received("S1").stream().filter(r -> r.command() == Command.MSG)
                    .map(Received::argument).toList();
            assertEquals(7, chunks.size());
            assertTrue(chunks.subList(0, 6).stream().allMatch(c -> c.length() == 16));
            assertEquals(4, chunks.get(6).length());
            assertEquals(new String(message, StandardCharsets.ISO_8859_1), pmilter.message("S1"));
        }
    }

    @Test
    void neverSendsAChunkLargerThanTheProtocolAllows() throws Exception {
        byte[] message = new byte[150_000];
        java.util.Arrays.fill(message, (byte) 'x');
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            run(simulator, Scenario.of(SessionScript.builder("S1").mail("<a@b>").rcpt("<c@d>").data()
                    .message(message).dot().build()));

            List<Integer> sizes = pmilter.received("S1").stream().filter(r -> r.command() == Command.MSG)
                    .map(r -> r.argument().length()).toList();
            assertEquals(List.of(PmilterCodes.MAX_CHUNK_LENGTH, PmilterCodes.MAX_CHUNK_LENGTH,
                    150_002 - 2 * PmilterCodes.MAX_CHUNK_LENGTH), sizes);
        }
    }

    @Test
    void playsOverAUnixSocket(@TempDir Path directory) throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startUnix(directory.resolve("pmult.sock"))
                .on(Command.MAIL, Reaction.reply(ReplyCode.TEMPFAIL, "451 4.7.1 Greylisted"));
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, scenario("""
                    session U1 client 2001:db8::10 port 5000
                      helo client.example
                      mail <a@example.com>
                      expect tempfail 451 4.7.1 Greylisted
                    """));

            SessionResult u1 = report.session("U1");
            assertEquals("connect [2001:db8::10]:5000", u1.commands().get(0).request());
            assertEquals("helo client.example", u1.commands().get(1).request());
            assertTrue(report.passed(), () -> report.failedExpectations().toString());
            assertEquals(List.of(Command.CONNECT, Command.EHLO, Command.MAIL), pmilter.commands("U1"));
        }
    }

    @Test
    void reportsFailedExpectationsWithWhatCameInstead() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(Command.EHLO, Reaction.reply(ReplyCode.SHUTDOWN, "421 4.7.0 Go away"));
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, scenario("""
                    session S1
                      expect continue
                      ehlo x
                      expect reject 5*
                      mail <a@b>
                      expect continue
                    """));

            List<ExpectationResult> checks = report.session("S1").expectations();
            assertEquals(3, checks.size());
            assertTrue(checks.get(0).passed());
            assertFalse(checks.get(1).passed());
            assertEquals("got SHUTDOWN 421 4.7.0 Go away (pmilter)", checks.get(1).detail());
            assertEquals(4, checks.get(1).expectation().line());
            assertFalse(checks.get(2).passed());
            assertEquals("step not reached (session ended: SHUTDOWN)", checks.get(2).detail());
            assertFalse(report.passed());
            assertEquals(2, report.failedExpectations().size());
        }
    }
}
