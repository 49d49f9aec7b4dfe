package org.pmult.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * pmult's meters, the one object the rest of the daemon records through. Callers use typed methods
 * and never build names or tags ({@link MeterNames} holds them all): every meter is resolved when
 * this object (or a client's {@link ClientMeters}) is created, so recording is an array index plus an
 * adder, safe on Netty event loops and from any thread. The meters themselves live in one class per
 * concern: {@link SessionMeters} (SMTP sessions and the replies to MeTA1), {@link ConnectionMeters}
 * (pmilter connections, decode errors, bytes), {@link ProcessMeters} (build, JVM, Netty memory),
 * {@link ClientMeters}, {@link EvaluationMeters} and {@link InstanceMeters} (per client).
 * {@code docs/operations.md} lists every scraped name.
 *
 * <p>Wiring: {@code new PmultMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))} once per
 * process; {@link #forClient(String)} per configured Milter client; {@link #byteCounter(TrafficSide)}
 * as the first handler of each channel; {@link #close()} at shutdown.
 */
public final class PmultMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final SessionMeters sessions;
    private final ConnectionMeters connections;
    private final ProcessMeters process;
    private final Map<String, ClientMeters> clients = new ConcurrentHashMap<>();
    private final Map<String, EvaluationMeters> evaluations = new ConcurrentHashMap<>();
    private final Map<List<String>, InstanceMeters> instances = new ConcurrentHashMap<>();

    /** Registers every process-wide meter, the JVM binders and the Netty allocator gauges on {@code registry}. */
    public PmultMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        sessions = new SessionMeters(registry);
        connections = new ConnectionMeters(registry);
        process = new ProcessMeters(registry);
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** An SMTP session began (MeTA1 CONNECT). Pair with {@link #sessionClosed()}. */
    public void sessionOpened() {
        sessions.opened();
    }

    /** An SMTP session ended (CLOSE, or its pmilter connection went away). */
    public void sessionClosed() {
        sessions.closed();
    }

    /** MeTA1 opened a pmilter connection. Pair with {@link #meta1ConnectionClosed()}. */
    public void meta1ConnectionOpened() {
        connections.meta1Opened();
    }

    /** A pmilter connection from MeTA1 closed. */
    public void meta1ConnectionClosed() {
        connections.meta1Closed();
    }

    /** An SMTP transaction began (MAIL). */
    public void transactionStarted() {
        sessions.transactionStarted();
    }

    /** pmult answered MeTA1's {@code stage} command with {@code action}. */
    public void verdict(MetricStage stage, MetricAction action) {
        sessions.verdict(stage, action);
    }

    /** The pmilter decoder rejected input from MeTA1. */
    public void decodeError(DecodeErrorReason reason) {
        connections.decodeError(reason);
    }

    /** The shared handler counting {@code side}'s bytes; add it first in each channel's pipeline. */
    public ByteCountingHandler byteCounter(TrafficSide side) {
        return connections.byteCounter(side);
    }

    /**
     * The meters of Milter client {@code client} (its configured name, the {@code client} tag
     * value), created on first call and returned again afterwards. Call it when the client is
     * configured (startup, reload), keep the result, and {@link ClientMeters#close()} it when a
     * reload removes the client.
     */
    public ClientMeters forClient(String client) {
        Objects.requireNonNull(client, "client");
        if (client.isEmpty()) {
            throw new IllegalArgumentException("client name: \"\" (expected: non-empty)");
        }
        return clients.computeIfAbsent(client, name -> new ClientMeters(registry, name,
                meters -> clients.remove(name, meters)));
    }

    /**
     * The evaluation meters of client {@code client} (one in evaluation mode), created on first call;
     * {@link EvaluationMeters#close()} them when the client is removed or enforces again.
     */
    public EvaluationMeters forEvaluation(String client) {
        Objects.requireNonNull(client, "client");
        return evaluations.computeIfAbsent(client, name -> new EvaluationMeters(registry, name,
                meters -> evaluations.remove(name, meters)));
    }

    /**
     * The meters of instance {@code endpoint} of client {@code client}, reading {@code up} and
     * {@code outstanding} when scraped. Replaces (and unregisters) meters an earlier configuration
     * registered for the same instance; close the result when the instance is removed.
     */
    public InstanceMeters forInstance(String client, String endpoint, IntSupplier up, IntSupplier outstanding) {
        List<String> key = List.of(client, endpoint);
        return instances.compute(key, (k, previous) -> {
            if (previous != null) {
                previous.unregisterNow();
            }
            return new InstanceMeters(registry, client, endpoint, up, outstanding, meters -> instances.remove(k, meters));
        });
    }

    /** Stops the GC listener and unregisters every client's meters; process-wide meters stay in the registry. */
    @Override
    public void close() {
        process.close();
        List.copyOf(clients.values()).forEach(ClientMeters::close);
        List.copyOf(evaluations.values()).forEach(EvaluationMeters::close);
        List.copyOf(instances.values()).forEach(InstanceMeters::close);
    }
}
