package org.pmult.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operations endpoint: {@code GET /metrics} (Prometheus text format 0.0.4, or OpenMetrics when
 * the scraper asks for it), {@code GET /health} (200 {@code UP} until {@link #beginShutdown()}) and
 * {@code GET /ready} (200 when the {@link ReadinessCheck} reports every dependency ready, else 503
 * with one line per dependency saying why). HEAD is accepted wherever GET is; other methods get
 * 405, other paths 404.
 *
 * <p>Requests run on this server's own two daemon threads with a short queue, never on Netty event
 * loops; when the queue is full the JDK server drops the connection instead of piling up work. The
 * endpoint has no authentication: bind it to loopback ({@link #defaultAddress()}) unless a firewall
 * restricts who can reach it. Unless already set, the JDK server's request and response time limits
 * ({@code sun.net.httpserver.maxReqTime}, {@code maxRspTime}, in seconds) are set to 10 and 30 so a
 * stalled client cannot hold a thread forever.
 */
public final class MetricsHttpServer implements AutoCloseable {

    /** Port of {@link #defaultAddress()}. */
    public static final int DEFAULT_PORT = 9313;

    /** The Prometheus text format (the Prometheus client's text writer answers to exactly this type). */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0 text, served when the scraper's Accept header asks for it. */
    public static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String PLAIN_TEXT = "text/plain; charset=utf-8";
    private static final int WORKER_THREADS = 2;
    private static final int QUEUED_REQUESTS = 16;
    private static final int BACKLOG = 16;
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

    static {
        // Read once by the JDK when its first HttpServer is created, hence a static initializer.
        setIfAbsent("sun.net.httpserver.maxReqTime", "10");
        setIfAbsent("sun.net.httpserver.maxRspTime", "30");
    }

    private final InetSocketAddress address;
    private final PrometheusMeterRegistry registry;
    private final ReadinessCheck readiness;
    private volatile boolean shuttingDown;
    private HttpServer server;
    private ThreadPoolExecutor executor;

    /**
     * An endpoint on {@code address} (port 0 picks a free port; see {@link #boundAddress()}) serving
     * {@code registry} and asking {@code readiness} on every {@code /ready}. Nothing is bound until
     * {@link #start()}.
     */
    public MetricsHttpServer(InetSocketAddress address, PrometheusMeterRegistry registry, ReadinessCheck readiness) {
        this.address = Objects.requireNonNull(address, "address");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.readiness = Objects.requireNonNull(readiness, "readiness");
    }

    /** {@code 127.0.0.1:9313} (the loopback address): the address to use when the configuration names none. */
    public static InetSocketAddress defaultAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT);
    }

    /**
     * Binds and starts serving.
     *
     * @throws BindException naming the address when it is taken or not local
     * @throws IllegalStateException when already started
     */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("metrics endpoint already started on " + boundAddress());
        }
        HttpServer created;
        try {
            created = HttpServer.create(address, BACKLOG);
        } catch (BindException e) {
            BindException named = new BindException("metrics endpoint " + describe(address) + ": " + e.getMessage()
                    + " (choose another metrics address or stop what holds it)");
            named.initCause(e);
            throw named;
        }
        executor = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS), new WorkerThreads(), new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        created.createContext("/", this::handle);
        created.setExecutor(executor);
        created.start();
        server = created;
        InetSocketAddress bound = created.getAddress();
        log.info("metrics endpoint listening on http://{}/ (metrics, health, ready)", describe(bound));
        if (!bound.getAddress().isLoopbackAddress()) {
            log.warn("metrics endpoint {} is reachable from other hosts and has no authentication;"
                    + " restrict it with a firewall or bind it to 127.0.0.1", describe(bound));
        }
    }

    /**
     * The address actually bound (with the real port when 0 was asked for).
     *
     * @throws IllegalStateException before {@link #start()} or after {@link #close()}
     */
    public synchronized InetSocketAddress boundAddress() {
        if (server == null) {
            throw new IllegalStateException("metrics endpoint " + describe(address) + " is not running");
        }
        return server.getAddress();
    }

    /**
     * From now on {@code /health} and {@code /ready} answer 503, while {@code /metrics} keeps
     * working: call at the start of a graceful stop so orchestrators stop routing before the
     * listeners close.
     */
    public void beginShutdown() {
        shuttingDown = true;
    }

    /** Whether {@link #beginShutdown()} or {@link #close()} was called. */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Stops listening, abandons requests in progress and stops the worker threads. Idempotent. */
    @Override
    public synchronized void close() {
        shuttingDown = true;
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        server = null;
        executor = null;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/metrics") && !path.equals("/health") && !path.equals("/ready")) {
                send(exchange, false, new Response(404, PLAIN_TEXT,
                        "no such path: " + path + " (expected: /metrics, /health or /ready)\n"));
                return;
            }
            String method = exchange.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, false, new Response(405, PLAIN_TEXT,
                        "method " + method + " not allowed on " + path + " (expected: GET or HEAD)\n"));
                return;
            }
            Response response;
            try {
                response = switch (path) {
                    case "/metrics" -> metrics(exchange.getRequestHeaders().getFirst("Accept"));
                    case "/health" -> health();
                    default -> ready();
                };
            } catch (RuntimeException | IOException e) {
                log.warn("metrics endpoint: {} failed: {}", path, e.toString(), e);
                response = new Response(500, PLAIN_TEXT, path + " failed: " + e + "\n");
            }
            send(exchange, head, response);
        }
    }

    private Response metrics(String accept) throws IOException {
        String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT
                : PROMETHEUS_TEXT;
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        registry.scrape(body, contentType);
        return new Response(200, contentType, body.toByteArray());
    }

    private Response health() {
        return shuttingDown
                ? new Response(503, PLAIN_TEXT, "SHUTTING DOWN\n")
                : new Response(200, PLAIN_TEXT, "UP\n");
    }

    private Response ready() {
        if (shuttingDown) {
            return new Response(503, PLAIN_TEXT, "NOT READY\npmult: shutting down\n");
        }
        List<ReadinessCheck.Status> statuses;
        try {
            statuses = readiness.statuses();
        } catch (RuntimeException e) {
            log.warn("metrics endpoint: readiness check failed: {}", e.toString(), e);
            return new Response(503, PLAIN_TEXT, "NOT READY\npmult: readiness check failed: " + oneLine(e.toString()) + "\n");
        }
        boolean allReady = statuses.stream().allMatch(status -> status.ready() || !status.counts());
        StringBuilder body = new StringBuilder(allReady ? "READY\n" : "NOT READY\n");
        for (ReadinessCheck.Status status : statuses) {
            body.append(oneLine(status.name())).append(status.ready() ? ": up: " : ": down: ")
                    .append(oneLine(status.detail())).append('\n');
        }
        return new Response(allReady ? 200 : 503, PLAIN_TEXT, body.toString());
    }

    private static void send(HttpExchange exchange, boolean head, Response response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (head) {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(response.status(), response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body());
        }
    }

    /** Keeps a peer-supplied detail from forging extra lines in the readiness report. */
    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ");
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + address.getPort() : host + ":" + address.getPort();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private record Response(int status, String contentType, byte[] body) {
        Response(int status, String contentType, String body) {
            this(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Daemon threads named {@code pmult-metrics-http-N} (the JDK's own dispatcher thread is not a daemon: close() stops it). */
    private static final class WorkerThreads implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger(1);

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "pmult-metrics-http-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        }
    }
}
