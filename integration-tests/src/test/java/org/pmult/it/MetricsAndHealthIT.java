package org.pmult.it;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.transport.Transports;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations endpoint during end-to-end runs: pmult (configured in HOCON, reconnect backoff
 * 100 ms) with two clients — mailfromd on a unix socket, then an in-process test milter that
 * continues on everything. {@code /metrics} is scraped over HTTP before and after known SMTP sessions
 * and the counters must have moved by exactly what those sessions did; {@code /ready} must follow
 * mailfromd going down and coming back on the same socket, while {@code /health} stays up.
 */
class MetricsAndHealthIT {

    private static final String FILTER = "/mfl/pmult-e2e.mfl";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String MESSAGE = """
            From: Alice <alice@e2e.example>
            Subject: metrics
            Message-ID: <metrics-1@e2e.example>

            counted.
            """;

    @TempDir
    Path dir;
    private EventLoopGroup testerLoops;
    private MailfromdPeer mfd;
    private ScriptedMilter tester;
    private PmultHarness pmult;

    @BeforeEach
    void start() {
        MailfromdPeer.requireInstalled();
        mfd = MailfromdPeer.start(Transport.UNIX, FILTER);
        Transports transport = Transports.best();
        testerLoops = transport.newEventLoopGroup(1, new DefaultThreadFactory("it-tester", true));
        tester = ScriptedMilter.builder().start(transport.serverBootstrap(testerLoops, testerLoops, new InetSocketAddress(0)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int testerPort = ((InetSocketAddress) tester.localAddress()).getPort();
        pmult = PmultHarness.start(dir, "pmult.hocon", """
                pmult {
                  listen = ["inet://127.0.0.1:%d"]
                  reconnect { initial = 100ms, max = 200ms }
                  clients {
                    mfd { url = "%s", timeouts { connect = 2s, read = 10s, eom = 20s } }
                    tester { url = "inet://127.0.0.1:%d", timeouts { connect = 2s } }
                  }
                }
                """.formatted(PmultHarness.freeLoopbackPort(), mfd.socketSpec(), testerPort));
    }

    @AfterEach
    void stop() {
        Teardown.closeInOrder(pmult, tester,
                testerLoops == null ? null : () -> testerLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly(),
                mfd);
    }

    @Test
    void countersMoveByExactlyWhatThreeSessionsDid() {
        MetricsSnapshot before = pmult.scrape();
        Meta1Client meta1 = pmult.meta1(Map.of(Macro.HOSTNAME, "meta1.e2e.example"));

        // S1: one message, one of two recipients refused
        Meta1Client.Session s1 = meta1.session("M1");
        assertCode(ReplyCode.CONTINUE, s1.connect("192.0.2.21", 40021, "one.e2e.example"));
        assertCode(ReplyCode.CONTINUE, s1.helo("one.e2e.example"));
        assertCode(ReplyCode.CONTINUE, s1.mail("<alice@e2e.example>"));
        assertCode(ReplyCode.CONTINUE, s1.rcpt("<bob@e2e.example>"));
        assertCode(ReplyCode.REJECT, s1.rcpt("<blocked@e2e.example>"));
        assertCode(ReplyCode.CONTINUE, s1.data());
        assertCode(ReplyCode.CONTINUE, s1.message(MESSAGE));
        assertCode(ReplyCode.CONTINUE, s1.dot());
        s1.close();
        // S2: sender refused
        Meta1Client.Session s2 = meta1.session("M2");
        assertCode(ReplyCode.CONTINUE, s2.connect("192.0.2.22", 40022, "two.e2e.example"));
        assertCode(ReplyCode.CONTINUE, s2.helo("two.e2e.example"));
        assertCode(ReplyCode.REJECT, s2.mail("<reject@e2e.example>"));
        s2.close();
        // S3: sender tempfailed
        Meta1Client.Session s3 = meta1.session("M3");
        assertCode(ReplyCode.CONTINUE, s3.connect("192.0.2.23", 40023, "three.e2e.example"));
        assertCode(ReplyCode.CONTINUE, s3.helo("three.e2e.example"));
        assertCode(ReplyCode.TEMPFAIL, s3.mail("<tempfail@e2e.example>"));
        s3.close();
        pmult.awaitNoLiveSessions();
        // three sessions' connections, and the spare each client keeps negotiated for the next session
        for (String client : List.of("mfd", "tester")) {
            await("negotiations of " + client).atMost(WAIT)
                    .until(() -> latencyCount(before, pmult.scrape(), client, "negotiate") == 4);
        }

        MetricsSnapshot after = pmult.scrape();
        assertEquals(3, after.delta(before, "pmult_sessions_total"));
        assertEquals(0, after.value("pmult_sessions_active"));
        assertEquals(1, after.delta(before, "pmult_meta1_connections_total"));
        assertEquals(1, after.value("pmult_meta1_connections_active"));
        assertEquals(3, after.delta(before, "pmult_smtp_transactions_total"));

        // every reply pmult sent MeTA1, by stage and combined action, and not one more
        Map<List<String>, Integer> verdicts = Map.ofEntries(
                Map.entry(List.of("connect", "continue"), 3),
                Map.entry(List.of("helo", "continue"), 3),
                Map.entry(List.of("mail", "continue"), 1),
                Map.entry(List.of("mail", "reject"), 1),
                Map.entry(List.of("mail", "tempfail"), 1),
                Map.entry(List.of("rcpt", "continue"), 1),
                Map.entry(List.of("rcpt", "reject"), 1),
                Map.entry(List.of("data", "continue"), 1),
                Map.entry(List.of("body", "continue"), 1),
                Map.entry(List.of("eom", "continue"), 1));
        verdicts.forEach((stageAndAction, count) -> assertEquals(count.doubleValue(), after.delta(before, "pmult_verdicts_total",
                "stage", stageAndAction.get(0), "action", stageAndAction.get(1)), () -> "verdicts " + stageAndAction));
        assertEquals(14, sumOfDeltas(before, after, "pmult_verdicts_total"),
                () -> "replies sent in all: " + after.changedSince(before, "pmult_verdicts_total"));

        // each client answered every step it was sent; mailfromd's replies were timed per stage. The
        // tester comes second: it never got the two senders and the recipient mailfromd refused
        for (String client : List.of("mfd", "tester")) {
            boolean first = client.equals("mfd");
            assertEquals(4, latencyCount(before, after, client, "negotiate"), client);
            assertEquals(3, latencyCount(before, after, client, "connect"), client);
            assertEquals(3, latencyCount(before, after, client, "helo"), client);
            assertEquals(first ? 3 : 1, latencyCount(before, after, client, "mail"), client);
            assertEquals(first ? 2 : 1, latencyCount(before, after, client, "rcpt"), client);
            assertEquals(1, latencyCount(before, after, client, "eom"), client);
            assertEquals(1, after.value("pmult_milter_up", "client", client), client);
            assertEquals(6, after.value("pmult_milter_protocol_version", "client", client), client);
            assertEquals(0, sumOfDeltas(before, after, "pmult_milter_failures_total", "client", client), client);
            assertEquals(0, sumOfDeltas(before, after, "pmult_milter_default_actions_total", "client", client), client);
        }
        assertTrue(after.value("pmult_milter_reply_latency_seconds_sum", "client", "mfd", "stage", "mail")
                > before.value("pmult_milter_reply_latency_seconds_sum", "client", "mfd", "stage", "mail"));
        for (String side : List.of("pmilter", "milter")) {
            assertTrue(after.delta(before, "pmult_received_bytes_total", "side", side) > 0, side);
            assertTrue(after.delta(before, "pmult_sent_bytes_total", "side", side) > 0, side);
        }
        assertEquals(0, sumOfDeltas(before, after, "pmult_pmilter_decode_errors_total"));
    }

    @Test
    void readyFollowsMailfromdDownAndBackWhileHealthStaysUp() {
        assertHttp(200, "UP\n", pmult.get("/health"));
        HttpResponse<String> ready = pmult.get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().startsWith("READY\n") && ready.body().contains("mfd: up: ")
                && ready.body().contains("tester: up: "), ready.body());
        Meta1Client meta1 = pmult.meta1(Map.of());

        // mailfromd dies; the next session cannot reach it within its connect timeout (2 s) and gets
        // mfd's default action
        mfd.stop();
        MetricsSnapshot before = pmult.scrape();
        Meta1Client.Session first = meta1.session("DOWN1");
        assertReply(ReplyCode.TEMPFAIL, null, first.connect("192.0.2.31", 40031, "one.e2e.example"));
        first.close();
        // connecting keeps failing for 5 s (probes every 200 ms): mfd is down
        await("/ready 503").atMost(WAIT).until(() -> pmult.get("/ready").statusCode() == 503);
        ready = pmult.get("/ready");
        assertTrue(ready.body().startsWith("NOT READY\n") && ready.body().contains("mfd: down: ")
                && ready.body().contains("tester: up: "), ready.body());
        assertHttp(200, "UP\n", pmult.get("/health"));

        // while it is down, sessions get the default action at once
        Meta1Client.Session second = meta1.session("DOWN2");
        assertReply(ReplyCode.TEMPFAIL, null, second.connect("192.0.2.32", 40032, "two.e2e.example"));
        assertReply(ReplyCode.TEMPFAIL, null, second.helo("two.e2e.example"));
        second.close();
        pmult.awaitNoLiveSessions();
        MetricsSnapshot down = pmult.scrape();
        assertEquals(0, down.value("pmult_milter_up", "client", "mfd"));
        assertEquals(1, down.value("pmult_milter_up", "client", "tester"));
        assertEquals(2, down.delta(before, "pmult_milter_default_actions_total", "client", "mfd", "action", "tempfail"),
                "one default action per session");
        assertEquals(0, sumOfDeltas(before, down, "pmult_milter_default_actions_total", "client", "tester"));
        assertEquals(2, down.delta(before, "pmult_verdicts_total", "stage", "connect", "action", "tempfail"));
        assertEquals(1, down.delta(before, "pmult_verdicts_total", "stage", "helo", "action", "tempfail"));
        // the first session's failed connect, and any reconnect probe that failed since
        assertTrue(down.delta(before, "pmult_milter_failures_total", "client", "mfd", "kind", "connect") >= 1,
                () -> down.changedSince(before, "pmult_milter_failures_total").toString());
        assertHttp(200, "UP\n", pmult.get("/health"));

        // mailfromd comes back on the same socket: the reconnect probe finds it
        mfd = mfd.restart();
        await("/ready back to 200").atMost(WAIT).until(() -> pmult.get("/ready").statusCode() == 200);
        assertHttp(200, "UP\n", pmult.get("/health"));
        MetricsSnapshot back = pmult.scrape();
        assertEquals(1, back.delta(before, "pmult_milter_reconnects_total", "client", "mfd"));
        assertEquals(0, back.delta(before, "pmult_milter_reconnects_total", "client", "tester"));
        assertEquals(1, back.value("pmult_milter_up", "client", "mfd"));

        // and decides again
        Meta1Client.Session third = meta1.session("BACK");
        assertCode(ReplyCode.CONTINUE, third.connect("192.0.2.33", 40033, "three.e2e.example"));
        assertReply(ReplyCode.REJECT, "550 5.7.1 Sender reject@e2e.example refused by pmult-e2e",
                third.mail("<reject@e2e.example>"));
        third.close();
        pmult.awaitNoLiveSessions();
        assertEquals(2, pmult.scrape().delta(before, "pmult_milter_default_actions_total", "client", "mfd",
                "action", "tempfail"), "no default action once mailfromd is back");
    }

    private static double latencyCount(MetricsSnapshot before, MetricsSnapshot after, String client, String stage) {
        return after.delta(before, "pmult_milter_reply_latency_seconds_count", "client", client, "stage", stage);
    }

    /** The summed growth of every series of {@code name} whose labels include {@code labelPairs}. */
    private static double sumOfDeltas(MetricsSnapshot before, MetricsSnapshot after, String name, String... labelPairs) {
        return after.sum(name, labelPairs) - before.sum(name, labelPairs);
    }

    private static void assertCode(ReplyCode code, PmilterResponse.Reply reply) {
        assertEquals(code, reply.code(), () -> "reply " + reply);
    }

    private static void assertReply(ReplyCode code, String text, PmilterResponse.Reply reply) {
        assertEquals(code, reply.code(), () -> "reply " + reply);
        assertEquals(text, reply.text(), () -> "reply " + reply);
    }

    private static void assertHttp(int status, String body, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(body, response.body());
    }
}
