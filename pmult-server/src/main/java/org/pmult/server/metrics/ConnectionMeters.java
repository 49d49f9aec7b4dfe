package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

import static org.pmult.server.metrics.MeterNames.META1_CONNECTIONS;
import static org.pmult.server.metrics.MeterNames.META1_CONNECTIONS_ACTIVE;
import static org.pmult.server.metrics.MeterNames.PMILTER_DECODE_ERRORS;
import static org.pmult.server.metrics.MeterNames.RECEIVED;
import static org.pmult.server.metrics.MeterNames.SENT;
import static org.pmult.server.metrics.MeterNames.TAG_REASON;
import static org.pmult.server.metrics.MeterNames.TAG_SIDE;
import static org.pmult.server.metrics.MeterNames.UNIT_BYTES;

/**
 * The sockets: pmilter connections from MeTA1 (open and accepted), malformed pmilter input by
 * reason, and the bytes read and written on each side, counted by one shared handler per side.
 * Process-wide; thread-safe.
 */
final class ConnectionMeters {

    private final AtomicInteger meta1Active = new AtomicInteger();
    private final Counter meta1Accepted;
    private final Counter[] decodeErrors;
    private final ByteCountingHandler[] byteCounters;

    ConnectionMeters(MeterRegistry registry) {
        Gauge.builder(META1_CONNECTIONS_ACTIVE, meta1Active, AtomicInteger::get)
                .description("pmilter connections from MeTA1 open now").strongReference(true).register(registry);
        meta1Accepted = Counter.builder(META1_CONNECTIONS)
                .description("pmilter connections accepted from MeTA1").register(registry);

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
    }

    void meta1Opened() {
        meta1Accepted.increment();
        meta1Active.incrementAndGet();
    }

    void meta1Closed() {
        meta1Active.decrementAndGet();
    }

    void decodeError(DecodeErrorReason reason) {
        decodeErrors[reason.ordinal()].increment();
    }

    ByteCountingHandler byteCounter(TrafficSide side) {
        return byteCounters[side.ordinal()];
    }
}
