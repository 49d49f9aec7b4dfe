package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.pmult.pmilter.codec.PmilterCodes.ModKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What one client in evaluation mode would have done: its answers by stage and action, and the
 * changes to the message it asked for by kind. None of it was applied. Resolved once per client
 * (only clients in evaluation mode have these series); thread-safe.
 */
public final class EvaluationMeters implements AutoCloseable {

    private static final MetricStage[] STAGES = MetricStage.values();
    private static final MetricAction[] ACTIONS = MetricAction.values();
    private static final ModKind[] KINDS = ModKind.values();

    private final MeterRegistry registry;
    private final String client;
    private final Predicate<EvaluationMeters> unregister;
    /** Indexed [stage.ordinal()][action.ordinal()]; null where the Milter never replies. */
    private final Counter[][] verdicts = new Counter[STAGES.length][];
    private final Counter[] modifications = new Counter[KINDS.length];
    private final List<Meter> meters = new ArrayList<>();

    EvaluationMeters(MeterRegistry registry, String client, Predicate<EvaluationMeters> unregister) {
        this.registry = registry;
        this.client = client;
        this.unregister = unregister;
        for (MetricStage stage : STAGES) {
            if (!stage.milterReplies()) {
                continue;
            }
            verdicts[stage.ordinal()] = new Counter[ACTIONS.length];
            for (MetricAction action : ACTIONS) {
                if (action == MetricAction.ERROR) {
                    continue; // a milter never answers with pmilter's ERROR
                }
                verdicts[stage.ordinal()][action.ordinal()] = keep(Counter.builder(MeterNames.EVALUATION_VERDICTS)
                        .description("Answers of clients in evaluation mode (not applied), by client, stage and action")
                        .tag(MeterNames.TAG_CLIENT, client).tag(MeterNames.TAG_STAGE, stage.tag())
                        .tag(MeterNames.TAG_ACTION, action.tag()).register(registry));
            }
        }
        for (ModKind kind : KINDS) {
            modifications[kind.ordinal()] = keep(Counter.builder(MeterNames.EVALUATION_MODIFICATIONS)
                    .description("Changes to the message asked for by clients in evaluation mode (not applied), by client and kind")
                    .tag(MeterNames.TAG_CLIENT, client).tag(MeterNames.TAG_KIND, tag(kind)).register(registry));
        }
    }

    /** The {@code kind} tag of a change, e.g. {@code "add-hdr"}. */
    public static String tag(ModKind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private Counter keep(Counter counter) {
        meters.add(counter);
        return counter;
    }

    public String client() {
        return client;
    }

    /**
     * The client answered a {@code stage} command with {@code action}.
     *
     * @throws IllegalArgumentException for abort and close, which have no answer, and for ERROR
     */
    public void verdict(MetricStage stage, MetricAction action) {
        Counter[] byAction = verdicts[stage.ordinal()];
        Counter counter = byAction == null ? null : byAction[action.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException("stage " + stage.tag() + ", action " + action.tag()
                    + " (expected: a stage the Milter replies to, and a Milter verdict)");
        }
        counter.increment();
    }

    /** The client asked for a change of {@code kind} at end of message. */
    public void modification(ModKind kind) {
        modifications[kind.ordinal()].increment();
    }

    /** Unregisters these meters (the client was removed, or enforces again); idempotent. */
    @Override
    public void close() {
        if (unregister.test(this)) {
            meters.forEach(registry::remove);
        }
    }
}
