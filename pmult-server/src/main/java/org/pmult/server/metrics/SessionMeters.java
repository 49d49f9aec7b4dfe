package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

import static org.pmult.server.metrics.MeterNames.SESSIONS;
import static org.pmult.server.metrics.MeterNames.SESSIONS_ACTIVE;
import static org.pmult.server.metrics.MeterNames.SMTP_TRANSACTIONS;
import static org.pmult.server.metrics.MeterNames.TAG_ACTION;
import static org.pmult.server.metrics.MeterNames.TAG_STAGE;
import static org.pmult.server.metrics.MeterNames.VERDICTS;

/**
 * The SMTP sessions MeTA1 hands pmult and what pmult answered: sessions open and opened,
 * transactions begun, and the replies to MeTA1 by stage and action. Process-wide; thread-safe.
 */
final class SessionMeters {

    private static final MetricStage[] STAGES = MetricStage.values();
    private static final MetricAction[] ACTIONS = MetricAction.values();

    private final AtomicInteger active = new AtomicInteger();
    private final Counter opened;
    private final Counter transactions;
    /** Indexed [stage.ordinal()][action.ordinal()]. */
    private final Counter[][] verdicts = new Counter[STAGES.length][ACTIONS.length];

    SessionMeters(MeterRegistry registry) {
        Gauge.builder(SESSIONS_ACTIVE, active, AtomicInteger::get)
                .description("SMTP sessions open now").strongReference(true).register(registry);
        opened = Counter.builder(SESSIONS).description("SMTP sessions opened").register(registry);
        transactions = Counter.builder(SMTP_TRANSACTIONS)
                .description("SMTP transactions begun (MAIL FROM)").register(registry);
        for (MetricStage stage : STAGES) {
            for (MetricAction action : ACTIONS) {
                verdicts[stage.ordinal()][action.ordinal()] = Counter.builder(VERDICTS)
                        .description("Replies pmult sent to MeTA1, by stage and action")
                        .tag(TAG_STAGE, stage.tag()).tag(TAG_ACTION, action.tag())
                        .register(registry);
            }
        }
    }

    void opened() {
        opened.increment();
        active.incrementAndGet();
    }

    void closed() {
        active.decrementAndGet();
    }

    void transactionStarted() {
        transactions.increment();
    }

    void verdict(MetricStage stage, MetricAction action) {
        verdicts[stage.ordinal()][action.ordinal()].increment();
    }
}
