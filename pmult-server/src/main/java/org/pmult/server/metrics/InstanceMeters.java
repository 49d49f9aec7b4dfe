package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The meters of one instance (URL) of a Milter client: whether it is up, how many sessions it has
 * open, how many it was given, and how many failed over from it to another instance. Tagged
 * {@code client} and {@code endpoint} (the instance's URL); the other client meters sum over the
 * client's instances. Thread-safe.
 */
public final class InstanceMeters implements AutoCloseable {

    private final MeterRegistry registry;
    private final Predicate<InstanceMeters> unregister;
    private final Counter sessions;
    private final Counter failovers;
    private final List<Meter> meters = new ArrayList<>();

    InstanceMeters(MeterRegistry registry, String client, String endpoint, IntSupplier up, IntSupplier outstanding,
                   Predicate<InstanceMeters> unregister) {
        this.registry = registry;
        this.unregister = unregister;
        meters.add(Gauge.builder(MeterNames.MILTER_INSTANCE_UP, up::getAsInt)
                .description("1 when the client's instance is reachable and negotiated, else 0")
                .tag(MeterNames.TAG_CLIENT, client).tag(MeterNames.TAG_ENDPOINT, endpoint).strongReference(true)
                .register(registry));
        meters.add(Gauge.builder(MeterNames.MILTER_INSTANCE_OUTSTANDING, outstanding::getAsInt)
                .description("SMTP sessions open on the client's instance now")
                .tag(MeterNames.TAG_CLIENT, client).tag(MeterNames.TAG_ENDPOINT, endpoint).strongReference(true)
                .register(registry));
        sessions = Counter.builder(MeterNames.MILTER_INSTANCE_SESSIONS)
                .description("SMTP sessions given to the client's instance")
                .tag(MeterNames.TAG_CLIENT, client).tag(MeterNames.TAG_ENDPOINT, endpoint).register(registry);
        meters.add(sessions);
        failovers = Counter.builder(MeterNames.MILTER_INSTANCE_FAILOVERS)
                .description("Sessions that could not connect to the client's instance and went on to the next one")
                .tag(MeterNames.TAG_CLIENT, client).tag(MeterNames.TAG_ENDPOINT, endpoint).register(registry);
        meters.add(failovers);
    }

    /** A session was given to this instance. */
    public void session() {
        sessions.increment();
    }

    /** A session could not connect to this instance and went on to the next. */
    public void failover() {
        failovers.increment();
    }

    /** Unregisters these meters, unless a successor for the same instance replaced them already; idempotent. */
    @Override
    public void close() {
        if (unregister.test(this)) {
            meters.forEach(registry::remove);
        }
    }

    /** Unregisters unconditionally: a successor registers the same ids next. */
    void unregisterNow() {
        meters.forEach(registry::remove);
    }
}
