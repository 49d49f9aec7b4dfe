package org.pmult.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One client, two instances: two real GNU mailfromd processes (one on a unix socket, one on TCP)
 * running {@code mfl/pmult-e2e.mfl}. Sessions are spread over both; with one killed, every new
 * session is served by the other (none gets the default action); restarted, it takes sessions again.
 */
class MilterInstancesIT {

    private static final String MESSAGE = E2eTransaction.message("farm");

    @TempDir
    Path dir;
    private final List<MailfromdPeer> peers = new ArrayList<>();
    private PmultHarness pmult;
    private ExecutorService load;

    @AfterEach
    void stop() {
        Teardown.closeInOrder(load == null ? null : load::shutdownNow, pmult,
                () -> Teardown.closeInOrder(peers.toArray(AutoCloseable[]::new)));
    }

    @Test
    void sessionsAreSpreadAndAKilledInstanceCostsNoSessionItsDefaultAction() throws Exception {
        MailfromdPeer.requireInstalled();
        MailfromdPeer a = MailfromdPeer.start(Transport.UNIX, "/mfl/pmult-e2e.mfl");
        peers.add(a);
        MailfromdPeer b = MailfromdPeer.start(Transport.INET, "/mfl/pmult-e2e.mfl");
        peers.add(b);
        pmult = PmultHarness.start(dir, "pmult.conf", """
                listen inet://127.0.0.1:%d;
                client mfd {
                  url %s;
                  url %s;
                  balance round-robin;
                  connect-timeout 5 seconds;
                  read-timeout 10 seconds;
                  default-action tempfail;
                }
                """.formatted(PmultHarness.freeLoopbackPort(), a.socketSpec(), b.socketSpec()));
        String endpointA = a.socketSpec();
        String endpointB = b.socketSpec();

        // both instances take sessions
        runSessions("SPREAD", 6, 2);
        MetricsSnapshot spread = pmult.scrape();
        assertEquals(3, spread.value("pmult_milter_instance_sessions_total", "client", "mfd", "endpoint", endpointA));
        assertEquals(3, spread.value("pmult_milter_instance_sessions_total", "client", "mfd", "endpoint", endpointB));

        // instance a dies between sessions; under load from two MeTA1 connections every session is served by b
        a.stop();
        runSessions("AFTERKILL", 20, 2);
        MetricsSnapshot afterKill = pmult.scrape();
        assertEquals(0, afterKill.sum("pmult_milter_default_actions_total"), "no session got the default action");
        assertEquals(0, afterKill.value("pmult_milter_instance_up", "client", "mfd", "endpoint", endpointA));
        assertEquals(1, afterKill.value("pmult_milter_up", "client", "mfd"), "the client is up while b is");
        HttpResponse<String> ready = pmult.get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("mfd: up: 1 of 2 instances up\n"), ready.body());
        assertTrue(ready.body().contains("mfd instance " + endpointA + ": down: "), ready.body());

        // a comes back: the probe finds it and it takes sessions again
        MailfromdPeer restarted = a.restart();
        peers.set(0, restarted);
        await("instance a is back").atMost(Duration.ofSeconds(30)).until(() ->
                pmult.scrape().value("pmult_milter_instance_up", "client", "mfd", "endpoint", endpointA) == 1);
        double before = pmult.scrape().value("pmult_milter_instance_sessions_total", "client", "mfd", "endpoint", endpointA);
        runSessions("BACK", 4, 1);
        assertEquals(before + 2, pmult.scrape().value("pmult_milter_instance_sessions_total", "client", "mfd",
                "endpoint", endpointA), "round robin gives a every other session again");
        assertEquals(0, pmult.scrape().sum("pmult_milter_default_actions_total"));
    }

    /** {@code count} whole SMTP sessions over {@code connections} MeTA1 connections at once; each must pass mailfromd. */
    private void runSessions(String prefix, int count, int connections) throws Exception {
        load = Executors.newFixedThreadPool(connections);
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Meta1Client meta1 = pmult.meta1(Map.of(Macro.HOSTNAME, "meta1.e2e.example"));
            int first = c;
            runs.add(CompletableFuture.runAsync(() -> {
                for (int i = first; i < count; i += connections) {
                    oneSession(meta1, prefix + i);
                }
            }, load));
        }
        CompletableFuture.allOf(runs.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        load.shutdown();
        pmult.awaitNoLiveSessions();
    }

    private static void oneSession(Meta1Client meta1, String seid) {
        E2eTransaction run = E2eTransaction.run(meta1, seid, MESSAGE);
        assertTrue(run.filtered(), () -> seid + ": every step CONTINUE and mailfromd filtered it: " + run.replies());
    }
}
