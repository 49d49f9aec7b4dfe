package org.pmult.server.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsHttpServerTest {

    private static final ReadinessCheck.Status MFD_UP = ReadinessCheck.Status.ready("mfd", "negotiated Milter v6");
    private static final ReadinessCheck.Status MFD_DOWN =
            ReadinessCheck.Status.notReady("mfd", "connect to unix:/run/mailfromd/mailfromd.sock refused");
    private static final ReadinessCheck.Status SPAM_UP = ReadinessCheck.Status.ready("spam", "negotiated Milter v2");

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PmultMetrics metrics = new PmultMetrics(registry);
    private final AtomicReference<List<ReadinessCheck.Status>> clientStates = new AtomicReference<>(List.of(MFD_UP, SPAM_UP));
    private final AtomicReference<String> readinessThread = new AtomicReference<>();
    private MetricsHttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new MetricsHttpServer(loopbackAnyPort(), registry, () -> {
            readinessThread.set(Thread.currentThread().getName());
            return clientStates.get();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
        metrics.close();
        registry.close();
    }

    private static InetSocketAddress loopbackAnyPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private URI uri(String path) {
        InetSocketAddress bound = server.boundAddress();
        return URI.create("http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    @Test
    void metricsShowCountersMovedByTheExactAmounts() throws Exception {
        metrics.sessionOpened();
        metrics.sessionOpened();
        metrics.sessionOpened();
        metrics.sessionClosed();
        metrics.verdict(MetricStage.RCPT, MetricAction.REJECT);
        metrics.verdict(MetricStage.RCPT, MetricAction.REJECT);
        ClientMeters mfd = metrics.forClient("mfd");
        mfd.latency(MetricStage.RCPT, TimeUnit.MILLISECONDS.toNanos(3));
        mfd.timeout(MetricStage.EOM);

        HttpResponse<String> response = get("/metrics");

        assertEquals(200, response.statusCode());
        assertEquals(MetricsHttpServer.PROMETHEUS_TEXT, response.headers().firstValue("Content-Type").orElseThrow());
        String body = response.body();
        assertTrue(body.contains("\npmult_sessions_total 3.0\n"), body);
        assertTrue(body.contains("\npmult_sessions_active 2.0\n"), body);
        assertTrue(body.contains("\npmult_verdicts_total{action=\"reject\",stage=\"rcpt\"} 2.0\n"), body);
        assertTrue(body.contains("\npmult_milter_reply_latency_seconds_bucket{client=\"mfd\",stage=\"rcpt\",le=\"0.005\"} 1\n"), body);
        assertTrue(body.contains("\npmult_milter_reply_latency_seconds_count{client=\"mfd\",stage=\"rcpt\"} 1\n"), body);
        assertTrue(body.contains("\npmult_milter_timeouts_total{client=\"mfd\",stage=\"eom\"} 1.0\n"), body);
        assertTrue(body.contains("\npmult_milter_failures_total{client=\"mfd\",kind=\"timeout\"} 1.0\n"), body);
        assertTrue(body.contains("# TYPE pmult_milter_reply_latency_seconds histogram\n"), body);
    }

    @Test
    void scrapesSeeLaterChanges() throws Exception {
        metrics.transactionStarted();
        assertTrue(get("/metrics").body().contains("\npmult_smtp_transactions_total 1.0\n"));

        metrics.transactionStarted();
        metrics.transactionStarted();

        assertTrue(get("/metrics").body().contains("\npmult_smtp_transactions_total 3.0\n"));
    }

    @Test
    void metricsAreOpenMetricsWhenTheScraperAsks() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/metrics"))
                .header("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3"));

        assertEquals(200, response.statusCode());
        assertEquals(MetricsHttpServer.OPENMETRICS_TEXT, response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(response.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        assertTrue(response.body().contains("\npmult_sessions_total 0.0\n"), response.body());
    }

    @Test
    void healthIsUpUntilShutdownBegins() throws Exception {
        HttpResponse<String> up = get("/health");
        assertEquals(200, up.statusCode());
        assertEquals("UP\n", up.body());

        server.beginShutdown();

        HttpResponse<String> stopping = get("/health");
        assertEquals(503, stopping.statusCode());
        assertEquals("SHUTTING DOWN\n", stopping.body());
        assertEquals(503, get("/ready").statusCode());
        assertEquals(200, get("/metrics").statusCode(), "metrics stay available while draining");
    }

    @Test
    void readyFlipsWhenAMilterGoesDownAndComesBack() throws Exception {
        HttpResponse<String> ready = get("/ready");
        assertEquals(200, ready.statusCode());
        assertEquals("READY\nmfd: up: negotiated Milter v6\nspam: up: negotiated Milter v2\n", ready.body());

        clientStates.set(List.of(MFD_DOWN, SPAM_UP));

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/ready").statusCode() == 503);
        HttpResponse<String> down = get("/ready");
        assertEquals("NOT READY\nmfd: down: connect to unix:/run/mailfromd/mailfromd.sock refused\n"
                + "spam: up: negotiated Milter v2\n", down.body());
        assertEquals(200, get("/health").statusCode(), "a down milter does not make pmult unhealthy");

        clientStates.set(List.of(MFD_UP, SPAM_UP));

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/ready").statusCode() == 200);
    }

    @Test
    void readyWithNoClientsConfigured() throws Exception {
        clientStates.set(List.of());

        HttpResponse<String> response = get("/ready");

        assertEquals(200, response.statusCode());
        assertEquals("READY\n", response.body());
    }

    @Test
    void aFailingReadinessCheckMeansNotReady() throws Exception {
        try (MetricsHttpServer failing = new MetricsHttpServer(loopbackAnyPort(), registry,
                () -> { throw new IllegalStateException("client table not built yet"); })) {
            failing.start();
            InetSocketAddress bound = failing.boundAddress();
            HttpResponse<String> response = send(HttpRequest.newBuilder(
                    URI.create("http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort() + "/ready")));

            assertEquals(503, response.statusCode());
            assertTrue(response.body().startsWith("NOT READY\npmult: readiness check failed: "), response.body());
            assertTrue(response.body().contains("client table not built yet"), response.body());
        }
    }

    @Test
    void aDetailCannotForgeExtraLinesInTheReport() throws Exception {
        clientStates.set(List.of(ReadinessCheck.Status.notReady("mfd", "bad\r\nspam: up: fake")));

        HttpResponse<String> response = get("/ready");

        assertEquals(503, response.statusCode());
        assertEquals("NOT READY\nmfd: down: bad spam: up: fake\n", response.body());
    }

    @Test
    void requestsRunOnTheServersOwnThreads() throws Exception {
        get("/ready");

        assertTrue(readinessThread.get().startsWith("pmult-metrics-http-"), readinessThread.get());
    }

    @Test
    void unknownPathsAre404() throws Exception {
        HttpResponse<String> response = get("/metricz");

        assertEquals(404, response.statusCode());
        assertEquals("no such path: /metricz (expected: /metrics, /health or /ready)\n", response.body());
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metrics/extra").statusCode());
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x=1")));

        assertEquals(405, response.statusCode());
        assertEquals("GET, HEAD", response.headers().firstValue("Allow").orElseThrow());
        assertEquals(405, send(HttpRequest.newBuilder(uri("/ready")).DELETE()).statusCode());
    }

    @Test
    void headAnswersWithoutABody() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/health"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertEquals(200, response.statusCode());
        assertEquals("", response.body());
    }

    @Test
    void queryStringsAreIgnored() throws Exception {
        assertEquals(200, get("/health?verbose=1").statusCode());
    }

    @Test
    void portZeroBindsAFreePortAndExposesIt() {
        InetSocketAddress bound = server.boundAddress();

        assertNotEquals(0, bound.getPort());
        assertTrue(bound.getAddress().isLoopbackAddress());
    }

    @Test
    void defaultAddressIsLoopbackOn9313() {
        InetSocketAddress address = MetricsHttpServer.defaultAddress();

        assertTrue(address.getAddress().isLoopbackAddress());
        assertEquals(9313, address.getPort());
    }

    @Test
    void aTakenPortFailsWithTheAddressInTheMessage() {
        MetricsHttpServer second = new MetricsHttpServer(server.boundAddress(), registry, List::of);

        BindException e = assertThrows(BindException.class, second::start);

        assertTrue(e.getMessage().startsWith("metrics endpoint 127.0.0.1:" + server.boundAddress().getPort() + ": "),
                e.getMessage());
        assertThrows(IllegalStateException.class, second::boundAddress);
    }

    @Test
    void startingTwiceIsRefused() {
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void closeStopsListeningAndIsIdempotent() throws Exception {
        URI health = uri("/health");
        assertEquals(200, get("/health").statusCode());

        server.close();
        server.close();

        IOException refused = assertThrows(IOException.class,
                () -> http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()));
        assertInstanceOf(ConnectException.class, refused);
        assertTrue(server.shuttingDown());
        assertThrows(IllegalStateException.class, server::boundAddress);
    }
}
