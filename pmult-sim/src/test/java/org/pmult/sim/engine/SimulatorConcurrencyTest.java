package org.pmult.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.sim.testing.Simulators.run;
import static org.pmult.sim.testing.Simulators.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;
import org.pmult.sim.testing.Reaction;
import org.pmult.sim.testing.ScriptedPmilter;

/** Many sessions multiplexed on one connection, replies out of order, none crossed. */
class SimulatorConcurrencyTest {

    @Test
    void multiplexesSessionsOnOneConnectionWithoutCrossingReplies() throws Exception {
        int sessions = 30;
        List<SessionScript> scripts = new ArrayList<>();
        for (int n = 1; n <= sessions; n++) {
            scripts.add(SessionScript.builder("S" + n).ehlo("client" + n + ".example").mail("<from" + n + "@example.com>")
                    .rcpt("<keep" + n + "@example.net>").rcpt("<drop" + n + "@example.net>").data()
                    .message("Subject: " + n + "\n\nbody " + n + "\n").dot().build());
        }
        // later sessions are answered sooner, so replies come back in a different order than asked
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(r -> r.command() == Command.RCPT && r.argument().startsWith("<drop")
                        ? new Reaction.Later(Reaction.reply(ReplyCode.REJECT, "550 5.7.1 not for " + r.seid()),
                        Duration.ofMillis(2L * (sessions - number(r.seid())))) : null)
                .on(r -> r.command() == Command.DOT ? Reaction.continueWith(
                        new PmilterModification.AddHeader("X-Session", " " + r.seid())) : null);
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, new Scenario("test", scripts), new RunOptions(10, 1));

            assertEquals(sessions, report.sessions().size());
            for (int n = 1; n <= sessions; n++) {
                SessionResult session = report.session("S" + n);
                assertEquals("S" + n, session.seid());
                assertEquals(ReplyCode.CONTINUE, session.byRequest("rcpt <keep" + n + "@example.net>").code());
                assertEquals("550 5.7.1 not for S" + n, session.byRequest("rcpt <drop" + n + "@example.net>").text());
                assertEquals(List.of("+header X-Session: S" + n), session.first(Command.DOT).describedModifications());
                assertEquals("Subject: " + n + "\r\n\r\nbody " + n + "\r\n", pmilter.message("S" + n));
            }
            assertEquals(1, pmilter.connectionsAccepted());
            assertTrue(pmilter.maxConcurrentSessions() > 1, "sessions overlapped on the connection");
            assertTrue(pmilter.maxConcurrentSessions() <= 10, "at most --parallel sessions at once");
        }
    }

    @Test
    void repeatsSessionsUnderNumberedSessionIds() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, Scenario.of(
                    SessionScript.builder("A").mail("<a@b>").build(), SessionScript.builder("B").mail("<c@d>").build()),
                    new RunOptions(3, 3));

            assertEquals(List.of("A.1", "B.1", "A.2", "B.2", "A.3", "B.3"),
                    report.sessions().stream().map(SessionResult::seid).toList());
            assertEquals(List.of(Command.CONNECT, Command.MAIL), pmilter.commands("B.3"));
            assertEquals("A", report.session("A.2").name());
        }
    }

    private static int number(String seid) {
        return Integer.parseInt(seid.substring(1));
    }
}
