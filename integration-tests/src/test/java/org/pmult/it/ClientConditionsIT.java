package org.pmult.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.RecordingMilterPeer.Callback;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.SessionScript;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two real libmilter filters ({@link RecordingMilterPeer}) behind pmult, each with a condition:
 * "local" is consulted only for clients in 192.0.2.0/24 or 2001:db8::/32, "unauth" only for mail
 * from clients that did not authenticate. Meta1Client sends exactly the MeTA1 macros pmult asked
 * for, so the authenticated case also proves pmult asked MeTA1 for the AUTH macros by itself.
 */
class ClientConditionsIT {

    private static final Map<Macro, String> META1_MACROS = Map.of(Macro.HOSTNAME, "meta1.cond.example");

    @TempDir
    Path dir;
    private RecordingMilterPeer local;
    private RecordingMilterPeer unauth;
    private PmultHarness pmult;

    @AfterEach
    void stop() {
        Teardown.closeInOrder(pmult, local, unauth);
    }

    @Test
    void aClientWhoseConditionIsFalseAtConnectSeesNothingAndOneFalseAtMailSeesNothingOfTheMail() {
        Meta1Client meta1 = start();

        // from outside the local networks: "local" must see nothing, "unauth" everything
        Meta1Client.Session outside = meta1.session("CO1");
        assertEquals(ReplyCode.CONTINUE, outside.connect("198.51.100.7", 40101, "outside.cond.example").code());
        assertEquals(ReplyCode.CONTINUE, outside.helo("outside.cond.example").code());
        assertEquals(ReplyCode.CONTINUE, outside.mail("<alice@cond.example>").code());
        assertEquals(ReplyCode.CONTINUE, outside.rcpt("<bob@cond.example>").code());
        assertEquals(ReplyCode.CONTINUE, outside.data().code());
        assertEquals(ReplyCode.CONTINUE, outside.message("Subject: from outside\n\nbody\n").code());
        assertEquals(ReplyCode.ACCEPT, outside.dot().code(), "unauth's ACCEPT at end of message; local decided nothing");
        outside.close();
        pmult.awaitNoLiveSessions();

        // from a local client that authenticated: "local" sees the mail, "unauth" only CONNECT and HELO, then QUIT
        Meta1Client.Session inside = meta1.session("CO2").macro(Macro.AUTH_TYPE, "PLAIN").macro(Macro.AUTH_AUTHEN, "carol");
        assertEquals(ReplyCode.CONTINUE, inside.connect("192.0.2.20", 40102, "inside.cond.example").code());
        assertEquals(ReplyCode.CONTINUE, inside.helo("inside.cond.example").code());
        assertEquals(ReplyCode.CONTINUE, inside.mail("<carol@cond.example>").code());
        assertEquals(ReplyCode.CONTINUE, inside.rcpt("<dave@cond.example>").code());
        assertEquals(ReplyCode.CONTINUE, inside.data().code());
        assertEquals(ReplyCode.CONTINUE, inside.message("Subject: from inside\n\nbody\n").code());
        assertEquals(ReplyCode.ACCEPT, inside.dot().code());
        inside.close();
        pmult.awaitNoLiveSessions();

        List<Callback> localSaw = sessions(local, records -> closed(records, "inside.cond.example"));
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom", "close"),
                stages(localSaw), "local: the inside session only; the outside one never reached it");
        assertEquals("inside.cond.example", localSaw.get(0).args().get(0));
        assertFalse(localSaw.get(2).macros().containsKey("{auth_authen}"),
                "local listed only {mail_addr} for MAIL: the AUTH macros pmult asked MeTA1 for are not passed on");
        assertEquals("carol@cond.example", localSaw.get(2).macros().get("{mail_addr}"));

        List<Callback> unauthSaw = sessions(unauth, records -> closed(records, "inside.cond.example"));
        // decided at MAIL, before the MAIL reached it: no ABORT either, as Postfix aborts only milters that saw MAIL
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom", "close",
                "connect", "helo", "close"), stages(unauthSaw),
                "unauth: all of the outside session; of the inside one CONNECT and HELO, nothing of its mail, then QUIT");
        assertEquals("inside.cond.example", unauthSaw.get(10).args().get(0));

        MetricsSnapshot metrics = pmult.scrape();
        assertEquals(1, metrics.value("pmult_client_condition_sessions_total", "client", "local", "result", "skipped"));
        assertEquals(1, metrics.value("pmult_client_condition_sessions_total", "client", "local", "result", "applied"));
        assertEquals(2, metrics.value("pmult_client_condition_sessions_total", "client", "unauth", "result", "applied"));
        assertEquals(1, metrics.value("pmult_client_condition_transactions_total", "client", "unauth", "result", "skipped"));
        assertEquals(1, metrics.value("pmult_client_condition_transactions_total", "client", "unauth", "result", "applied"));
        assertEquals(0, metrics.sum("pmult_milter_default_actions_total"));
    }

    @Test
    void transactionConditionsDecidedAtDataAndMidMessageEndTheTransactionWithAbortDrivenByPmultSim() throws Exception {
        local = RecordingMilterPeer.start(true, Map.of());
        unauth = RecordingMilterPeer.start(true, Map.of());
        pmult = PmultHarness.start(dir, "pmult.conf", """
                listen inet://127.0.0.1:%d;
                client local { url %s; read-timeout 10 seconds; condition "recipient-domain(local.example)"; }
                client unauth { url %s; read-timeout 10 seconds; condition "size-below(300)"; }
                """.formatted(PmultHarness.freeLoopbackPort(), local.socketSpec(), unauth.socketSpec()));
        InetAddress client = InetAddress.getByName("198.51.100.7");
        // RD1: no local recipient (local ends at DATA); 400 bytes without SIZE= (unauth ends mid-message)
        SessionScript elsewhere = SessionScript.builder("RD1").client(client, 40201, "rd1.cond.example")
                .ehlo("rd1.cond.example").mail("<alice@cond.example>").rcpt("<bob@other.example>").data()
                .message(SimRuns.message("large", "x".repeat(400))).dot().close().build();
        // RD2: a local recipient, and SIZE=100 declared at MAIL: both are consulted to the end
        SessionScript home = SessionScript.builder("RD2").client(client, 40202, "rd2.cond.example")
                .ehlo("rd2.cond.example").mail("<alice@cond.example>", "SIZE=100").rcpt("<bob@local.example>").data()
                .message(SimRuns.message("small", "hi")).dot().close().build();
        try (Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, Duration.ofSeconds(30))) {
            SessionResult first = SimRuns.playOne(simulator, elsewhere);
            SessionResult second = SimRuns.playOne(simulator, home);
            SimRuns.assertFromPmult(first, "dot", ReplyCode.CONTINUE, null);
            SimRuns.assertFromPmult(second, "dot", ReplyCode.ACCEPT, null);
        }
        pmult.awaitNoLiveSessions();

        assertEquals(List.of("connect", "helo", "mail", "rcpt", "abort", "close",
                "connect", "helo", "mail", "rcpt", "data", "header", "header", "header", "eoh", "body", "eom", "close"),
                stages(sessions(local, records -> closed(records, "rd2.cond.example"))),
                "local: RD1 up to its RCPT, then ABORT at DATA; all of RD2");
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "abort", "close",
                "connect", "helo", "mail", "rcpt", "data", "header", "header", "header", "eoh", "body", "eom", "close"),
                stages(sessions(unauth, records -> closed(records, "rd2.cond.example"))),
                "unauth: RD1 up to DATA, then ABORT when the message passed 300 bytes; all of RD2");
        MetricsSnapshot metrics = pmult.scrape();
        for (String name : List.of("local", "unauth")) {
            assertEquals(1, metrics.value("pmult_client_condition_transactions_total", "client", name, "result", "skipped"));
            assertEquals(1, metrics.value("pmult_client_condition_transactions_total", "client", name, "result", "applied"));
        }
    }

    // ---- set-up -------------------------------------------------------------------------------

    /** Starts both filters on unix sockets, then pmult (pmult.conf) with a conditional client for each. */
    private Meta1Client start() {
        local = RecordingMilterPeer.start(true, Map.of("RM_SYMLIST", "connect={client_addr};mail={mail_addr}"));
        unauth = RecordingMilterPeer.start(true, Map.of());
        String config = """
                # pmult.conf written by ClientConditionsIT
                listen inet://127.0.0.1:%d;
                client local {
                  url %s;
                  read-timeout 10 seconds;
                  condition "client-address(192.0.2.0/24, 2001:db8::/32)";
                }
                client unauth {
                  url %s;
                  read-timeout 10 seconds;
                  condition "not(authenticated)";
                }
                """.formatted(PmultHarness.freeLoopbackPort(), local.socketSpec(), unauth.socketSpec());
        pmult = PmultHarness.start(dir, "pmult.conf", config);
        return pmult.meta1(META1_MACROS);
    }

    /** The filter's callbacks of SMTP sessions (not the probes' and spares' negotiations), once {@code done}. */
    private static List<Callback> sessions(RecordingMilterPeer milter, Predicate<List<Callback>> done) {
        return await("the filter's record").atMost(Duration.ofSeconds(30)).until(milter::records, done).stream()
                .filter(callback -> callback.session() > 0 && !callback.stage().equals("negotiate")).toList();
    }

    /** Whether the session from {@code clientName} has been closed at the filter. */
    private static boolean closed(List<Callback> records, String clientName) {
        int session = records.stream().filter(c -> c.stage().equals("connect") && c.args().get(0).equals(clientName))
                .mapToInt(Callback::session).findFirst().orElse(-1);
        return session > 0 && records.stream().anyMatch(c -> c.session() == session && c.stage().equals("close"));
    }

    private static List<String> stages(List<Callback> callbacks) {
        return callbacks.stream().map(Callback::stage).toList();
    }
}
