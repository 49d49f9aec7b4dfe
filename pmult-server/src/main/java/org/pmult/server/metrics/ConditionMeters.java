package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;

/**
 * How often one client with a condition was consulted: per session and per transaction, applied (the
 * condition did not exclude it) or skipped (it was false). Only clients with a condition have these
 * series; thread-safe. Registering the same client again returns the same series, so a reload that
 * keeps the client's condition keeps counting on.
 */
public final class ConditionMeters implements AutoCloseable {

    /** The {@code result} tag values. */
    public static final String APPLIED = "applied";
    public static final String SKIPPED = "skipped";
    public static final String TAG_RESULT = "result";

    private final MeterRegistry registry;
    private final String client;
    private final Counter sessionsApplied;
    private final Counter sessionsSkipped;
    private final Counter transactionsApplied;
    private final Counter transactionsSkipped;

    private ConditionMeters(MeterRegistry registry, String client) {
        this.registry = registry;
        this.client = client;
        sessionsApplied = counter(MeterNames.CLIENT_CONDITION_SESSIONS, APPLIED,
                "Sessions by client with a condition: applied (consulted) or skipped (its condition was false at CONNECT or HELO)");
        sessionsSkipped = counter(MeterNames.CLIENT_CONDITION_SESSIONS, SKIPPED, null);
        transactionsApplied = counter(MeterNames.CLIENT_CONDITION_TRANSACTIONS, APPLIED,
                "Transactions by client with a condition: applied (consulted to the end) or skipped (its condition was false)");
        transactionsSkipped = counter(MeterNames.CLIENT_CONDITION_TRANSACTIONS, SKIPPED, null);
    }

    /** The meters of {@code client}, registered on {@code registry} (or the ones already there). */
    public static ConditionMeters register(MeterRegistry registry, String client) {
        return new ConditionMeters(registry, client);
    }

    private Counter counter(String name, String result, String description) {
        Counter.Builder builder = Counter.builder(name).tag(MeterNames.TAG_CLIENT, client).tag(TAG_RESULT, result);
        if (description != null) {
            builder.description(description);
        }
        return builder.register(registry);
    }

    public String client() {
        return client;
    }

    /** A session ended: the client was consulted in it, or its condition excluded it at CONNECT or HELO. */
    public void session(boolean applied) {
        (applied ? sessionsApplied : sessionsSkipped).increment();
    }

    /** A transaction ended: the client was consulted to its end, or its condition excluded it. */
    public void transaction(boolean applied) {
        (applied ? transactionsApplied : transactionsSkipped).increment();
    }

    /** Unregisters these series (the client was removed or has no condition any more). */
    @Override
    public void close() {
        List.of(sessionsApplied, sessionsSkipped, transactionsApplied, transactionsSkipped).forEach(registry::remove);
    }
}
