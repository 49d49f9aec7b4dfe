package org.pmult.it;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.server.PmultServer;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.metrics.MetricsHttpServer;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.transport.Transports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * pmult running in-process as the daemon runs it: a configuration file read by {@link ConfigLoader}
 * (the file name picks GNU pmult.conf or HOCON syntax), {@link PmultServer} with a Prometheus
 * registry, and the metrics endpoint on a free loopback port. {@link #meta1()} gives connected,
 * negotiated MeTA1 sides; {@link #get(String)} and {@link #scrape()} read the HTTP endpoint.
 * Closing stops everything it started and checks that no SMTP session was left open.
 */
final class PmultHarness implements AutoCloseable {

    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

    private final Transports transport = Transports.best();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PmultMetrics metrics = new PmultMetrics(registry);
    private final EventLoopGroup meta1Group = transport.newEventLoopGroup(1, new DefaultThreadFactory("it-meta1", true));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    private final List<Meta1Client> meta1Clients = new ArrayList<>();
    private PmultServer server;
    private MetricsHttpServer metricsHttp;

    private PmultHarness() {
    }

    /**
     * Writes {@code configText} to {@code directory/fileName}, loads it as the daemon does and starts
     * pmult with the metrics endpoint on {@code 127.0.0.1:0}.
     */
    static PmultHarness start(Path directory, String fileName, String configText) {
        PmultHarness harness = new PmultHarness();
        try {
            Path file = directory.resolve(fileName);
            Files.writeString(file, configText, StandardCharsets.UTF_8);
            harness.server = PmultServer.start(ConfigLoader.read(file).config(), harness.metrics, harness.transport);
            harness.metricsHttp = new MetricsHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    harness.registry, harness.server.readiness());
            harness.metricsHttp.start();
            return harness;
        } catch (IOException e) {
            harness.close();
            throw new UncheckedIOException("cannot start pmult", e);
        } catch (RuntimeException | Error e) {
            harness.close();
            throw e;
        }
    }

    /** A loopback TCP port free at the moment (pmult's listen statement takes no port 0). */
    static int freeLoopbackPort() {
        return PeerProcess.freeLoopbackPort();
    }

    PmultServer server() {
        return server;
    }

    /** MeTA1's side: a new pmilter connection to pmult's first listen socket, negotiated. */
    Meta1Client meta1(Map<Macro, String> knownMacros) {
        SocketAddress address = server.boundAddresses().get(0);
        Meta1Client client = Meta1Client.connect(transport, meta1Group, address, knownMacros);
        meta1Clients.add(client);
        return client;
    }

    /** {@code GET path} on the metrics endpoint. */
    HttpResponse<String> get(String path) {
        InetSocketAddress bound = metricsHttp.boundAddress();
        URI uri = URI.create("http://127.0.0.1:" + bound.getPort() + path);
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("GET " + uri + " interrupted", e);
        }
    }

    /** {@code GET /metrics}, parsed. */
    MetricsSnapshot scrape() {
        HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics: " + response.statusCode() + " " + response.body());
        }
        return MetricsSnapshot.parse(response.body());
    }

    /** Waits until pmult has released every SMTP session (CLOSE handled, Milter sessions ended). */
    void awaitNoLiveSessions() {
        await("pmult's live sessions back to 0").atMost(Duration.ofSeconds(10))
                .until(() -> server.liveSessions() == 0);
    }

    @Override
    public void close() {
        try {
            for (Meta1Client client : meta1Clients) {
                client.close();
            }
            if (server != null) {
                awaitNoLiveSessions();
            }
        } finally {
            if (metricsHttp != null) {
                metricsHttp.close();
            }
            if (server != null) {
                server.shutdown(Duration.ofSeconds(5));
            }
            metrics.close();
            meta1Group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
