package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every pmult meter, with every meter name and tag key as a constant. Callers record through typed
 * methods and never build names or tags: all meters are resolved when this object (or a client's
 * {@link ClientMeters}) is created, so recording is an array index plus an adder, safe on Netty event
 * loops and from any thread.
 *
 * <p>Names are Micrometer's dotted form; the Prometheus registry renders {@code pmult.sessions} as
 * {@code pmult_sessions_total}, {@code pmult.milter.reply.latency} as
 * {@code pmult_milter_reply_latency_seconds_*}, {@code pmult.received} as
 * {@code pmult_received_bytes_total}. {@code docs/operations.md} lists every scraped name.
 *
 * <p>Wiring: {@code new PmultMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))} once per
 * process; {@link #forClient(String)} per configured Milter client; {@link #byteCounter(TrafficSide)}
 * as the first handler of each channel; {@link #close()} at shutdown.
 */
public final class PmultMetrics implements AutoCloseable {

    // ---- meter names (Prometheus name after the arrow) ----

    /** Gauge: SMTP sessions open now → {@code pmult_sessions_active}. */
    public static final String SESSIONS_ACTIVE = "pmult.sessions.active";
    /** Counter: SMTP sessions opened → {@code pmult_sessions_total}. */
    public static final String SESSIONS = "pmult.sessions";
    /** Gauge: pmilter connections from MeTA1 open now → {@code pmult_meta1_connections_active}. */
    public static final String META1_CONNECTIONS_ACTIVE = "pmult.meta1.connections.active";
    /** Counter: pmilter connections accepted from MeTA1 → {@code pmult_meta1_connections_total}. */
    public static final String META1_CONNECTIONS = "pmult.meta1.connections";
    /** Counter: SMTP transactions begun (MAIL) → {@code pmult_smtp_transactions_total}. */
    public static final String SMTP_TRANSACTIONS = "pmult.smtp.transactions";
    /** Counter {stage, action}: replies pmult sent to MeTA1 → {@code pmult_verdicts_total}. */
    public static final String VERDICTS = "pmult.verdicts";
    /** Timer {client, stage}: Milter command-to-reply time → {@code pmult_milter_reply_latency_seconds}. */
    public static final String MILTER_REPLY_LATENCY = "pmult.milter.reply.latency";
    /** Counter {client, kind}: failed Milter conversations → {@code pmult_milter_failures_total}. */
    public static final String MILTER_FAILURES = "pmult.milter.failures";
    /** Counter {client, stage}: replies that did not come in time → {@code pmult_milter_timeouts_total}. */
    public static final String MILTER_TIMEOUTS = "pmult.milter.timeouts";
    /** Counter {client}: connections re-opened after a failure → {@code pmult_milter_reconnects_total}. */
    public static final String MILTER_RECONNECTS = "pmult.milter.reconnects";
    /** Counter {client}: connection attempts tried again after a transient failure → {@code pmult_milter_connect_retries_total}. */
    public static final String MILTER_CONNECT_RETRIES = "pmult.milter.connect.retries";
    /** Gauge {client}: last negotiated Milter protocol version, 0 before the first → {@code pmult_milter_protocol_version}. */
    public static final String MILTER_PROTOCOL_VERSION = "pmult.milter.protocol.version";
    /** Gauge {client}: 1 when the Milter is reachable and negotiated, else 0 → {@code pmult_milter_up}. */
    public static final String MILTER_UP = "pmult.milter.up";
    /** Counter {client}: Milter connections opened for sessions and as spares → {@code pmult_milter_connections_opened_total}. */
    public static final String MILTER_CONNECTIONS_OPENED = "pmult.milter.connections.opened";
    /** Counter {client}: sessions that ran on a connection kept after SMFIC_QUIT_NC → {@code pmult_milter_connections_reused_total}. */
    public static final String MILTER_CONNECTIONS_REUSED = "pmult.milter.connections.reused";
    /**
     * Counter {client, action}: SMFIR_QUARANTINE requests by what became of the message (tempfail,
     * reject, discard, accept — the client's quarantine-action — or superseded by the milter's own
     * refusal) → {@code pmult_milter_quarantines_total}.
     */
    public static final String MILTER_QUARANTINES = "pmult.milter.quarantines";
    /** The {@code action} tags of {@link #MILTER_QUARANTINES}. */
    public static final List<String> QUARANTINE_OUTCOMES = List.of("tempfail", "reject", "discard", "accept", "superseded");
    /** Gauge {client}: Milter connections idle now, spare or kept → {@code pmult_milter_idle_connections}. */
    public static final String MILTER_IDLE_CONNECTIONS = "pmult.milter.idle.connections";
    /** Counter {client, action}: default actions applied because a Milter failed → {@code pmult_milter_default_actions_total}. */
    public static final String MILTER_DEFAULT_ACTIONS = "pmult.milter.default.actions";
    /** Gauge {client, endpoint}: 1 when the client's instance is up → {@code pmult_milter_instance_up}. */
    public static final String MILTER_INSTANCE_UP = "pmult.milter.instance.up";
    /** Gauge {client, endpoint}: sessions open on the instance now → {@code pmult_milter_instance_outstanding}. */
    public static final String MILTER_INSTANCE_OUTSTANDING = "pmult.milter.instance.outstanding";
    /** Counter {client, endpoint}: sessions given to the instance → {@code pmult_milter_instance_sessions_total}. */
    public static final String MILTER_INSTANCE_SESSIONS = "pmult.milter.instance.sessions";
    /** Counter {client, endpoint}: sessions that failed over from the instance → {@code pmult_milter_instance_failovers_total}. */
    public static final String MILTER_INSTANCE_FAILOVERS = "pmult.milter.instance.failovers";
    /** Counter {client, stage, action}: what a client in evaluation mode answered (not applied) → {@code pmult_evaluation_verdicts_total}. */
    public static final String EVALUATION_VERDICTS = "pmult.evaluation.verdicts";
    /** Counter {client, kind}: changes a client in evaluation mode asked for (not applied) → {@code pmult_evaluation_modifications_total}. */
    public static final String EVALUATION_MODIFICATIONS = "pmult.evaluation.modifications";
    /** Counter {client, result}: sessions a client with a condition was applied to or skipped in → {@code pmult_client_condition_sessions_total}. */
    public static final String CLIENT_CONDITION_SESSIONS = "pmult.client.condition.sessions";
    /** Counter {client, result}: transactions a client with a condition was applied to or skipped in → {@code pmult_client_condition_transactions_total}. */
    public static final String CLIENT_CONDITION_TRANSACTIONS = "pmult.client.condition.transactions";
    /** Counter {reason}: malformed pmilter input → {@code pmult_pmilter_decode_errors_total}. */
    public static final String PMILTER_DECODE_ERRORS = "pmult.pmilter.decode.errors";
    /** Counter {side}: bytes read from sockets → {@code pmult_received_bytes_total}. */
    public static final String RECEIVED = "pmult.received";
    /** Counter {side}: bytes written to sockets → {@code pmult_sent_bytes_total}. */
    public static final String SENT = "pmult.sent";
    /** Gauge {allocator, memory}: memory held by Netty's allocators → {@code pmult_netty_memory_used_bytes}. */
    public static final String NETTY_MEMORY_USED = "pmult.netty.memory.used";
    /** Gauge {version}: always 1, carries pmult's version → {@code pmult_build_info}. */
    public static final String BUILD_INFO = "pmult.build.info";

    // ---- tag keys ----

    public static final String TAG_STAGE = "stage";
    public static final String TAG_ACTION = "action";
    public static final String TAG_CLIENT = "client";
    /**
     * A client instance's URL. Not {@code instance}: Prometheus attaches that label to every scraped
     * series (the scrape target), and a second one would be renamed {@code exported_instance}.
     */
    public static final String TAG_ENDPOINT = "endpoint";
    public static final String TAG_KIND = "kind";
    public static final String TAG_REASON = "reason";
    public static final String TAG_SIDE = "side";
    public static final String TAG_ALLOCATOR = "allocator";
    /** Values {@code direct} and {@code heap}. */
    public static final String TAG_MEMORY = "memory";
    public static final String TAG_VERSION = "version";

    /** Base unit of the byte meters; Prometheus appends it to the name. */
    public static final String UNIT_BYTES = "bytes";

    // ---- JVM meters, registered by Micrometer's binders (listed so docs and dashboard share one source) ----

    public static final String JVM_MEMORY_USED = "jvm.memory.used";
    public static final String JVM_MEMORY_MAX = "jvm.memory.max";
    public static final String JVM_BUFFER_MEMORY_USED = "jvm.buffer.memory.used";
    public static final String JVM_GC_PAUSE = "jvm.gc.pause";
    public static final String JVM_THREADS_LIVE = "jvm.threads.live";
    public static final String JVM_CLASSES_LOADED = "jvm.classes.loaded";
    public static final String PROCESS_CPU_USAGE = "process.cpu.usage";
    public static final String PROCESS_FILES_OPEN = "process.files.open";
    public static final String PROCESS_UPTIME = "process.uptime";

    /**
     * Histogram buckets of {@link #MILTER_REPLY_LATENCY}: 1-2.5-5 steps from 100 µs to 10 s. Fixed
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
    private final AtomicInteger sessionsActive = new AtomicInteger();
    private final Counter sessions;
    private final AtomicInteger meta1ConnectionsActive = new AtomicInteger();
    private final Counter meta1Connections;
    private final Counter smtpTransactions;
    /** Indexed [stage.ordinal()][action.ordinal()]. */
    private final Counter[][] verdicts;
    private final Counter[] decodeErrors;
    private final ByteCountingHandler[] byteCounters;
    private final Map<String, ClientMeters> clients = new ConcurrentHashMap<>();
    private final Map<String, EvaluationMeters> evaluations = new ConcurrentHashMap<>();
    private final Map<List<String>, InstanceMeters> instances = new ConcurrentHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    /** Registers every process-wide meter, the JVM binders and the Netty allocator gauges on {@code registry}. */
    public PmultMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");

        Gauge.builder(SESSIONS_ACTIVE, sessionsActive, AtomicInteger::get)
                .description("SMTP sessions open now").strongReference(true).register(registry);
        sessions = Counter.builder(SESSIONS).description("SMTP sessions opened").register(registry);
        Gauge.builder(META1_CONNECTIONS_ACTIVE, meta1ConnectionsActive, AtomicInteger::get)
                .description("pmilter connections from MeTA1 open now").strongReference(true).register(registry);
        meta1Connections = Counter.builder(META1_CONNECTIONS)
                .description("pmilter connections accepted from MeTA1").register(registry);
        smtpTransactions = Counter.builder(SMTP_TRANSACTIONS)
                .description("SMTP transactions begun (MAIL FROM)").register(registry);

        verdicts = new Counter[STAGES.length][ACTIONS.length];
        for (MetricStage stage : STAGES) {
            for (MetricAction action : ACTIONS) {
                verdicts[stage.ordinal()][action.ordinal()] = Counter.builder(VERDICTS)
                        .description("Replies pmult sent to MeTA1, by stage and action")
                        .tag(TAG_STAGE, stage.tag()).tag(TAG_ACTION, action.tag())
                        .register(registry);
            }
        }

        DecodeErrorReason[] reasons = DecodeErrorReason.values();
        decodeErrors = new Counter[reasons.length];
        for (DecodeErrorReason reason : reasons) {
            decodeErrors[reason.ordinal()] = Counter.builder(PMILTER_DECODE_ERRORS)
                    .description("Malformed pmilter input from MeTA1, by reason")
                    .tag(TAG_REASON, reason.tag()).register(registry);
        }

        TrafficSide[] sides = TrafficSide.values();
        byteCounters = new ByteCountingHandler[sides.length];
        for (TrafficSide side : sides) {
            Counter received = Counter.builder(RECEIVED).baseUnit(UNIT_BYTES)
                    .description("Bytes read from sockets, by side").tag(TAG_SIDE, side.tag()).register(registry);
            Counter sent = Counter.builder(SENT).baseUnit(UNIT_BYTES)
                    .description("Bytes written to sockets, by side").tag(TAG_SIDE, side.tag()).register(registry);
            byteCounters[side.ordinal()] = new ByteCountingHandler(received, sent);
        }

        Gauge.builder(BUILD_INFO, () -> 1).description("pmult build information")
                .tag(TAG_VERSION, version()).register(registry);

        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new NettyMemoryMetrics().bindTo(registry);
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** An SMTP session began (MeTA1 CONNECT). Pair with {@link #sessionClosed()}. */
    public void sessionOpened() {
        sessions.increment();
        sessionsActive.incrementAndGet();
    }

    /** An SMTP session ended (CLOSE, or its pmilter connection went away). */
    public void sessionClosed() {
        sessionsActive.decrementAndGet();
    }

    /** MeTA1 opened a pmilter connection. Pair with {@link #meta1ConnectionClosed()}. */
    public void meta1ConnectionOpened() {
        meta1Connections.increment();
        meta1ConnectionsActive.incrementAndGet();
    }

    /** A pmilter connection from MeTA1 closed. */
    public void meta1ConnectionClosed() {
        meta1ConnectionsActive.decrementAndGet();
    }

    /** An SMTP transaction began (MAIL). */
    public void transactionStarted() {
        smtpTransactions.increment();
    }

    /** pmult answered MeTA1's {@code stage} command with {@code action}. */
    public void verdict(MetricStage stage, MetricAction action) {
        verdicts[stage.ordinal()][action.ordinal()].increment();
    }

    /** The pmilter decoder rejected input from MeTA1. */
    public void decodeError(DecodeErrorReason reason) {
        decodeErrors[reason.ordinal()].increment();
    }

    /** The shared handler counting {@code side}'s bytes; add it first in each channel's pipeline. */
    public ByteCountingHandler byteCounter(TrafficSide side) {
        return byteCounters[side.ordinal()];
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
        return clients.computeIfAbsent(client, name -> new ClientMeters(this, name));
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
    public InstanceMeters forInstance(String client, String endpoint, java.util.function.IntSupplier up,
                                      java.util.function.IntSupplier outstanding) {
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
        gcMetrics.close();
        List.copyOf(clients.values()).forEach(ClientMeters::close);
        List.copyOf(evaluations.values()).forEach(EvaluationMeters::close);
        List.copyOf(instances.values()).forEach(InstanceMeters::close);
    }

    private static String version() {
        String version = PmultMetrics.class.getPackage().getImplementationVersion();
        return version != null ? version : "unknown";
    }

    /**
     * One Milter client's meters, resolved once. Thread-safe; record from any thread. Connect
     * failures (the socket) are {@link FailureKind#CONNECT}; a reply that did not come in time is
     * {@link #timeout(MetricStage)}, which also counts as a {@link FailureKind#TIMEOUT} failure.
     */
    public static final class ClientMeters implements AutoCloseable {
        private final PmultMetrics owner;
        private final String client;
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

        private ClientMeters(PmultMetrics owner, String client) {
            this.owner = owner;
            this.client = client;
            MeterRegistry registry = owner.registry;
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
         * @throws IllegalArgumentException for an outcome not in {@link #QUARANTINE_OUTCOMES}
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
            if (owner.clients.remove(client, this)) {
                meters.forEach(owner.registry::remove);
            }
        }
    }
}
