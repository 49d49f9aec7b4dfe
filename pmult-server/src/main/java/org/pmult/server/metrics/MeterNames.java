package org.pmult.server.metrics;

import java.util.List;

/**
 * Every pmult meter name and tag key, in one table, so that code, docs/operations.md and the
 * dashboard share one source ({@code MetricsCatalogTest} checks the docs against it). Names are
 * Micrometer's dotted form; the Prometheus registry renders {@code pmult.sessions} as
 * {@code pmult_sessions_total}, {@code pmult.milter.reply.latency} as
 * {@code pmult_milter_reply_latency_seconds_*}, {@code pmult.received} as
 * {@code pmult_received_bytes_total}.
 */
public final class MeterNames {

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

    private MeterNames() {
    }
}
