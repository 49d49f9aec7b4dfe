package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.pmult.server.metrics.MeterNames.*;

/**
 * One Milter client's meters, resolved once. Thread-safe; record from any thread. Connect
 * failures (the socket) are {@link FailureKind#CONNECT}; a reply that did not come in time is
 * {@link #timeout(MetricStage)}, which also counts as a {@link FailureKind#TIMEOUT} failure.
 */
public final class ClientMeters implements AutoCloseable {

    /**
     * Histogram buckets of {@link MeterNames#MILTER_REPLY_LATENCY}: 1-2.5-5 steps from 100 µs to 10 s. Fixed
     * buckets instead of Micrometer's percentile histogram keep each (client, stage) series at 17
     * buckets instead of about 80, which matters with 11 stages per client.
     */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
        Duration.ofSeconds(10),
    };

    private static final MetricStage[] STAGES = MetricStage.values();
    private static final MetricAction[] ACTIONS = MetricAction.values();

    private final MeterRegistry registry;
    private final String client;
    /** Called once when this instance closes, so the owner forgets it. Returns whether it was still registered. */
    private final java.util.function.Predicate<ClientMeters> onClose;
    /** Indexed by stage ordinal; null where the Milter never replies (abort, close). */
    private final Timer[] latency = new Timer[STAGES.length];
    private final Counter[] timeouts = new Counter[STAGES.length];
    private final Counter[] failures = new Counter[FailureKind.values().length];
    private final Counter[] defaultActions = new Counter[ACTIONS.length];
    private final Counter reconnects;
    private final Counter connectRetries;
    private final Counter connectionsOpened;
    private final Counter connectionsReused;
    private final Map<String, Counter> quarantines = new java.util.HashMap<>();
    private final AtomicInteger idleConnections = new AtomicInteger();
    private final AtomicInteger negotiatedVersion = new AtomicInteger();
    private final AtomicInteger up = new AtomicInteger();
    private final List<Meter> meters = new ArrayList<>();

    ClientMeters(MeterRegistry registry, String client, java.util.function.Predicate<ClientMeters> onClose) {
        this.registry = registry;
        this.client = client;
        this.onClose = onClose;
        for (MetricStage stage : STAGES) {
            if (!stage.milterReplies()) {
                continue;
            }
            latency[stage.ordinal()] = keep(Timer.builder(MILTER_REPLY_LATENCY)
                    .description("Time from sending a Milter command to its reply, by client and stage")
                    .tag(TAG_CLIENT, client).tag(TAG_STAGE, stage.tag())
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry));
            timeouts[stage.ordinal()] = keep(Counter.builder(MILTER_TIMEOUTS)
                    .description("Milter replies that did not arrive in time, by client and stage")
                    .tag(TAG_CLIENT, client).tag(TAG_STAGE, stage.tag())
                    .register(registry));
        }
        for (FailureKind kind : FailureKind.values()) {
            failures[kind.ordinal()] = keep(Counter.builder(MILTER_FAILURES)
                    .description("Failed Milter conversations, by client and kind")
                    .tag(TAG_CLIENT, client).tag(TAG_KIND, kind.tag())
                    .register(registry));
        }
        for (MetricAction action : ACTIONS) {
            defaultActions[action.ordinal()] = keep(Counter.builder(MILTER_DEFAULT_ACTIONS)
                    .description("Default actions applied because a Milter failed, by client and action")
                    .tag(TAG_CLIENT, client).tag(TAG_ACTION, action.tag())
                    .register(registry));
        }
        reconnects = keep(Counter.builder(MILTER_RECONNECTS)
                .description("Milter connections re-opened after a failure")
                .tag(TAG_CLIENT, client).register(registry));
        connectRetries = keep(Counter.builder(MILTER_CONNECT_RETRIES)
                .description("Milter connection attempts tried again after a transient failure (full backlog,"
                        + " refused, closed before negotiating)")
                .tag(TAG_CLIENT, client).register(registry));
        connectionsOpened = keep(Counter.builder(MILTER_CONNECTIONS_OPENED)
                .description("Milter connections opened for sessions and as spares")
                .tag(TAG_CLIENT, client).register(registry));
        connectionsReused = keep(Counter.builder(MILTER_CONNECTIONS_REUSED)
                .description("Sessions that ran on a Milter connection kept after SMFIC_QUIT_NC")
                .tag(TAG_CLIENT, client).register(registry));
        for (String outcome : QUARANTINE_OUTCOMES) {
            quarantines.put(outcome, keep(Counter.builder(MILTER_QUARANTINES)
                    .description("Quarantine requests by what became of the message")
                    .tag(TAG_CLIENT, client).tag(TAG_ACTION, outcome).register(registry)));
        }
        keep(Gauge.builder(MILTER_IDLE_CONNECTIONS, idleConnections, AtomicInteger::get)
                .description("Milter connections idle now: spares, and connections kept for the next session")
                .tag(TAG_CLIENT, client).strongReference(true).register(registry));
        keep(Gauge.builder(MILTER_PROTOCOL_VERSION, negotiatedVersion, AtomicInteger::get)
                .description("Milter protocol version last negotiated with the client (0: never)")
                .tag(TAG_CLIENT, client).strongReference(true).register(registry));
        keep(Gauge.builder(MILTER_UP, up, AtomicInteger::get)
                .description("1 when the Milter is reachable and negotiated, else 0")
                .tag(TAG_CLIENT, client).strongReference(true).register(registry));
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    /** The client's name, the value of its {@code client} tag. */
    public String client() {
        return client;
    }

    /**
     * The Milter answered a {@code stage} command {@code nanos} after it was sent.
     *
     * @throws IllegalArgumentException for abort and close, which have no reply
     */
    public void latency(MetricStage stage, long nanos) {
        Timer timer = latency[stage.ordinal()];
        if (timer == null) {
            throw new IllegalArgumentException("stage: " + stage.tag() + " (expected: a stage the Milter replies to)");
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The client failed in a way other than a timeout.
     *
     * @throws IllegalArgumentException for {@link FailureKind#TIMEOUT}: use {@link #timeout(MetricStage)}
     *         so the stage is counted too
     */
    public void failure(FailureKind kind) {
        if (kind == FailureKind.TIMEOUT) {
            throw new IllegalArgumentException("failure kind: timeout (expected: record it with timeout(stage))");
        }
        failures[kind.ordinal()].increment();
    }

    /**
     * The reply to a {@code stage} command did not arrive in time. Counts both the per-stage
     * timeout and a {@code kind="timeout"} failure.
     *
     * @throws IllegalArgumentException for abort and close, which have no reply
     */
    public void timeout(MetricStage stage) {
        Counter counter = timeouts[stage.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException("stage: " + stage.tag() + " (expected: a stage the Milter replies to)");
        }
        counter.increment();
        failures[FailureKind.TIMEOUT.ordinal()].increment();
    }

    /** A connection to the client was re-opened after a failure. */
    public void reconnect() {
        reconnects.increment();
    }

    /** A connection attempt failed transiently and is tried again within the connect timeout. */
    public void connectRetry() {
        connectRetries.increment();
    }

    /** Negotiation with the client agreed on Milter protocol {@code version}. */
    public void negotiatedVersion(int version) {
        negotiatedVersion.set(version);
    }

    /** The client became reachable and negotiated ({@code true}) or unusable ({@code false}). */
    public void up(boolean isUp) {
        up.set(isUp ? 1 : 0);
    }

    /** A Milter connection was opened for a session or as a spare. */
    public void connectionOpened() {
        connectionsOpened.increment();
    }

    /**
     * The milter asked to quarantine a message, and it got {@code outcome}.
     *
     * @throws IllegalArgumentException for an outcome not in {@link MeterNames#QUARANTINE_OUTCOMES}
     */
    public void quarantine(String outcome) {
        Counter counter = quarantines.get(outcome);
        if (counter == null) {
            throw new IllegalArgumentException("quarantine outcome: " + outcome + " (expected: one of "
                    + QUARANTINE_OUTCOMES + ")");
        }
        counter.increment();
    }

    /** A session took a connection kept after SMFIC_QUIT_NC. */
    public void connectionReused() {
        connectionsReused.increment();
    }

    /** {@code delta} connections became idle (positive) or stopped being idle (negative). */
    public void idleConnections(int delta) {
        idleConnections.addAndGet(delta);
    }

    /** {@code action} was applied in place of this client's verdict because it failed. */
    public void defaultAction(MetricAction action) {
        defaultActions[action.ordinal()].increment();
    }

    /** Unregisters this client's meters (the client was removed from the configuration); idempotent. */
    @Override
    public void close() {
        // Only the registered instance unregisters: a stale one must not remove a successor's
        // meters, which share its meter ids.
        if (onClose.test(this)) {
            meters.forEach(registry::remove);
        }
    }
}
