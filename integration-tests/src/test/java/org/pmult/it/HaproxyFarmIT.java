package org.pmult.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A milter farm behind a real load balancer: pmult has ONE url, HAProxy's TCP frontend, and HAProxy
 * spreads the Milter connections over two real GNU mailfromd processes (round robin, health checks
 * every 200 ms, {@code option redispatch 1} so every retry of a refused connection goes to another
 * server). One mailfromd is crashed (SIGKILL to master and children) while two MeTA1 connections
 * run SMTP sessions through pmult back to back.
 *
 * <p>What a TCP balancer can and cannot do is what is asserted: every session that STARTS after the
 * instance is gone is served by the other one (none gets pmult's default action); a session whose
 * Milter connection was already on the killed instance cannot be moved (the Milter state lives in
 * that process), so sessions in flight at the kill are counted, and every default action pmult
 * gives must be one of them.
 */
class HaproxyFarmIT {

    private static final String MESSAGE = E2eTransaction.message("balanced");
    private static final int SESSIONS_BEFORE_KILL = 12;
    private static final int SESSIONS_AFTER_KILL = 30;
    private static final int CONNECTIONS = 2;

    /** HAProxy 2.6 (Debian 12) in TCP mode; {@code %1$d} the milter port, {@code %2$d} the monitor port. */
    private static final String HAPROXY_CONFIG = """
            global
                maxconn 512
            defaults
                mode tcp
                timeout connect 1s
                timeout client 5m
                timeout server 5m
                timeout check 1s
                retries 2
                option redispatch 1
            listen milter
                bind 127.0.0.1:%%1$d
                balance roundrobin
                server mfd1 127.0.0.1:%d check inter 200ms fall 1 rise 1
                server mfd2 127.0.0.1:%d check inter 200ms fall 1 rise 1
            frontend monitor
                mode http
                bind 127.0.0.1:%%2$d
                monitor-uri /up
            """;

    /** One SMTP session as the load saw it. */
    private record Outcome(String seid, long startNanos, long endNanos, String failure) {
        boolean passed() {
            return failure == null;
        }
    }

    @TempDir
    Path dir;
    private final List<MailfromdPeer> peers = new ArrayList<>();
    private HaproxyBalancer haproxy;
    private PmultHarness pmult;
    private ExecutorService load;

    @AfterEach
    void stop() {
        Teardown.closeInOrder(load == null ? null : load::shutdownNow, pmult, haproxy,
                () -> Teardown.closeInOrder(peers.toArray(AutoCloseable[]::new)));
    }

    @Test
    void aKilledInstanceCostsNoSessionStartedAfterItsDefaultAction() throws Exception {
        MailfromdPeer.requireInstalled();
        HaproxyBalancer.requireInstalled();
        MailfromdPeer a = MailfromdPeer.start(Transport.INET, "/mfl/pmult-e2e.mfl");
        peers.add(a);
        MailfromdPeer b = MailfromdPeer.start(Transport.INET, "/mfl/pmult-e2e.mfl");
        peers.add(b);
        haproxy = HaproxyBalancer.start(dir, HAPROXY_CONFIG.formatted(port(a), port(b)));
        pmult = PmultHarness.start(dir, "pmult.conf", """
                listen inet://127.0.0.1:%d;
                client farm {
                  url inet://127.0.0.1:%d;
                  connect-timeout 5 seconds;
                  read-timeout 10 seconds;
                  default-action tempfail;
                }
                """.formatted(PmultHarness.freeLoopbackPort(), haproxy.port()));

        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger startedAfterKill = new AtomicInteger();
        AtomicLong killDone = new AtomicLong(Long.MAX_VALUE);
        load = Executors.newFixedThreadPool(CONNECTIONS);
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            Meta1Client meta1 = pmult.meta1(Map.of(Macro.HOSTNAME, "meta1.e2e.example"));
            runs.add(CompletableFuture.runAsync(() -> {
                while (startedAfterKill.get() < SESSIONS_AFTER_KILL) {
                    long start = System.nanoTime();
                    if (start > killDone.get()) {
                        startedAfterKill.incrementAndGet();
                    }
                    outcomes.add(oneSession(meta1, "LB" + started.incrementAndGet(), start));
                }
            }, load));
        }

        await("sessions run through HAProxy").atMost(Duration.ofSeconds(20))
                .until(() -> outcomes.size() >= SESSIONS_BEFORE_KILL);
        assertTrue(outcomes.stream().allMatch(Outcome::passed), "before the kill every session passes: " + outcomes);
        assertTrue(served(a, outcomes) > 0 && served(b, outcomes) > 0,
                "HAProxy spreads sessions over both instances before the kill");

        long killStart = System.nanoTime();
        a.kill();   // SIGKILL to master and children: a crash; returns once its port refuses connections
        killDone.set(System.nanoTime());
        CompletableFuture.allOf(runs.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        pmult.awaitNoLiveSessions();
        await("HAProxy's health check took mfd1 out").atMost(Duration.ofSeconds(5))
                .until(() -> haproxy.log().contains("milter/mfd1 is DOWN"));

        List<Outcome> after = outcomes.stream().filter(o -> o.startNanos() > killDone.get()).toList();
        List<Outcome> inFlight = outcomes.stream()
                .filter(o -> o.startNanos() <= killDone.get() && o.endNanos() >= killStart).toList();
        List<Outcome> failed = outcomes.stream().filter(o -> !o.passed()).toList();
        long slowestAfterMillis = after.stream().mapToLong(o -> o.endNanos() - o.startNanos()).max().orElse(0) / 1_000_000;
        System.out.printf("HaproxyFarmIT: %d sessions, %d in flight at the kill (%d got the default action: %s),"
                        + " %d started after it (slowest %d ms)%n",
                outcomes.size(), inFlight.size(), failed.size(), failed, after.size(), slowestAfterMillis);

        assertTrue(after.size() >= SESSIONS_AFTER_KILL, "sessions after the kill: " + after.size());
        assertTrue(after.stream().allMatch(Outcome::passed),
                "no session started after the kill gets the default action: " + failed + "\nhaproxy:\n" + haproxy.log());
        assertEquals(after.size(), after.stream().filter(o -> servedBy(b, o)).count(),
                "every session after the kill went to the surviving instance");
        assertTrue(inFlight.containsAll(failed), "only sessions in flight at the kill may fail: " + failed);
        MetricsSnapshot metrics = pmult.scrape();
        assertEquals(failed.size(), metrics.sum("pmult_milter_default_actions_total"),
                "pmult's default actions are exactly the failed in-flight sessions");
        assertEquals(1, metrics.value("pmult_milter_up", "client", "farm"), "the balancer's address stays up");
    }

    /** One whole SMTP session; a reply other than CONTINUE (pmult's tempfail default action) ends it as failed. */
    private static Outcome oneSession(Meta1Client meta1, String seid, long start) {
        E2eTransaction run = E2eTransaction.run(meta1, seid, MESSAGE);
        String failure = run.filtered() ? null
                : seid + ": reply " + run.replies().size() + " of " + E2eTransaction.STEPS + " was " + run.last();
        return new Outcome(seid, start, System.nanoTime(), failure);
    }

    /** How many of {@code outcomes} mailfromd {@code peer} filtered (its filter echoes "E2E <i> …" per handler). */
    private static long served(MailfromdPeer peer, Iterable<Outcome> outcomes) {
        long count = 0;
        for (Outcome outcome : outcomes) {
            if (servedBy(peer, outcome)) {
                count++;
            }
        }
        return count;
    }

    private static boolean servedBy(MailfromdPeer peer, Outcome outcome) {
        String prefix = "E2E " + outcome.seid() + " ";
        return peer.echoLines().stream().anyMatch(line -> line.startsWith(prefix));
    }

    private static int port(MailfromdPeer peer) {
        String spec = peer.socketSpec();   // inet:PORT@127.0.0.1
        return Integer.parseInt(spec.substring("inet:".length(), spec.indexOf('@')));
    }
}
