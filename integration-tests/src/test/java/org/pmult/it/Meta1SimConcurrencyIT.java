package org.pmult.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.RunOptions;
import org.pmult.sim.engine.SessionEnd;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.engine.SimulationReport;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.it.SimRuns.assertFromPmult;
import static org.pmult.it.SimRuns.dotModifications;
import static org.pmult.it.SimRuns.transcript;

/**
 * Many SMTP sessions at once on one MeTA1 connection, as smtps multiplexes them: 200 sessions, 50 in
 * flight at a time, each with its own sender, recipients, subject and client, through pmult into the
 * real GNU mailfromd ({@code mfl/pmult-sim.mfl}). Every reply must be the one for that session's own
 * input — a recipient refusal names the session's own recipient, mailfromd's header carries the
 * session's own SEID, sender, recipient count and subject — so a verdict lost or delivered to the
 * wrong session fails the test.
 */
class Meta1SimConcurrencyIT {

    private static final int SESSIONS = 200;
    private static final int PARALLEL = 50;

    @TempDir
    Path dir;

    @Test
    void twoHundredConcurrentSessionsEachGetTheirOwnVerdicts() {
        try (MailfromdPeer mailfromd = MailfromdPeer.start(Transport.INET, "/mfl/pmult-sim.mfl")) {
            String config = """
                    listen inet://127.0.0.1:%d;
                    client mfd {
                      url %s;
                      read-timeout 30 seconds;
                    }
                    """.formatted(PmultHarness.freeLoopbackPort(), mailfromd.socketSpec());
            List<SessionScript> sessions = new ArrayList<>();
            for (int n = 0; n < SESSIONS; n++) {
                sessions.add(session(n));
            }
            try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config);
                 Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, Duration.ofSeconds(30))) {
                SimulationReport report = SimRuns.await(simulator.run(new Scenario("200 sessions", sessions),
                        new RunOptions(PARALLEL, 1)));

                assertEquals(SESSIONS, report.sessions().size());
                Set<String> seids = new HashSet<>();
                for (int n = 0; n < SESSIONS; n++) {
                    SessionResult session = report.session(name(n));
                    assertTrue(seids.add(session.seid()));
                    assertOwnVerdicts(n, session);
                }
                assertTrue(report.synthesized().isEmpty(), () -> "MeTA1's failure rule applied: " + report.synthesized());
                assertEquals(1, simulator.connectionCount(), "every session shared MeTA1's one connection");
                pmult.awaitNoLiveSessions();
                MetricsSnapshot metrics = pmult.scrape();
                assertEquals(SESSIONS, metrics.value("pmult_sessions_total"), metrics::text);
                assertEquals(SESSIONS / 3 + 1, metrics.value("pmult_verdicts_total", "stage", "rcpt", "action", "reject"),
                        metrics::text);
                assertEquals(0.0, metrics.sum("pmult_milter_failures_total"), metrics::text);
            }
        }
    }

    /**
     * Session n: client 198.51.100.(n % 250 + 1), sender sender-n, recipients rcpt-n and, for every third
     * session, no-n (refused by the filter's rule, which names it); every tenth message is refused at
     * end of message by its subject.
     */
    private static SessionScript session(int n) {
        SessionScript.Builder script = SessionScript.builder(name(n))
                .client(clientAddress(n), 20_000 + n, "client-" + n + ".sim.example")
                .ehlo("client-" + n + ".sim.example")
                .mail("<sender-" + n + "@sim.example>")
                .rcpt("<rcpt-" + n + "@sim.example>");
        if (refusesRecipient(n)) {
            script.rcpt("<no-" + n + "@sim.example>");
        }
        return script.data()
                .message(SimRuns.message(subject(n), "Body of session " + n + ".\n" + "x".repeat(n * 37)))
                .dot()
                .build();
    }

    private static void assertOwnVerdicts(int n, SessionResult session) {
        assertEquals(SessionEnd.COMPLETED, session.end(), () -> transcript(session));
        assertFromPmult(session, "mail <sender-" + n + "@sim.example>", ReplyCode.CONTINUE, null);
        assertFromPmult(session, "rcpt <rcpt-" + n + "@sim.example>", ReplyCode.CONTINUE, null);
        if (refusesRecipient(n)) {
            assertFromPmult(session, "rcpt <no-" + n + "@sim.example>", ReplyCode.REJECT,
                    "550 5.1.1 Recipient <no-" + n + "@sim.example> refused by rule (pmult-sim)");
        }
        assertEquals(ReplyCode.CONTINUE, session.first(Command.MSG).code(), () -> transcript(session));
        if (refusedAtDot(n)) {
            assertFromPmult(session, "dot", ReplyCode.REJECT, "550 5.7.0 Message rejected at end of message by pmult-sim");
            assertEquals(List.of(), dotModifications(session), () -> transcript(session));
        } else {
            assertFromPmult(session, "dot", ReplyCode.CONTINUE, null);
            assertEquals(List.of("+header X-Pmult-Sim: passed", "+header X-Pmult-Macros: i=<" + name(n)
                    + "> mail_addr=<sender-" + n + "@sim.example> rcpts=<1> subject=<" + subject(n) + ">"),
                    dotModifications(session), () -> transcript(session));
        }
    }

    private static String name(int n) {
        return String.format("load-%03d", n);
    }

    private static String subject(int n) {
        return refusedAtDot(n) ? "session " + n + " EOMREJECT" : "session " + n;
    }

    private static boolean refusesRecipient(int n) {
        return n % 3 == 0;
    }

    private static boolean refusedAtDot(int n) {
        return n % 10 == 7;
    }

    private static InetAddress clientAddress(int n) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) (n % 250 + 1)});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
