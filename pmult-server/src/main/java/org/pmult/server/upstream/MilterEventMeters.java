package org.pmult.server.upstream;

import org.pmult.milter.client.MilterFailure;
import org.pmult.milter.client.MilterStage;
import org.pmult.server.metrics.ClientMeters;
import org.pmult.server.metrics.FailureKind;
import org.pmult.server.metrics.MetricStage;

/**
 * Records a milter's reply latencies and failures, sessions' and probes' alike, into its client
 * meters: a timeout counts per stage where the milter owed a reply, anything else by failure kind.
 */
final class MilterEventMeters {

    private static final MetricStage[] METRIC_STAGES = new MetricStage[MilterStage.values().length];

    static {
        for (MilterStage stage : MilterStage.values()) {
            METRIC_STAGES[stage.ordinal()] = MetricStage.valueOf(stage.name());
        }
    }

    private final ClientMeters meters;

    MilterEventMeters(ClientMeters meters) {
        this.meters = meters;
    }

    /** The milter answered {@code stage} after {@code latencyNanos}. */
    void replied(MilterStage stage, long latencyNanos) {
        MetricStage metricStage = METRIC_STAGES[stage.ordinal()];
        if (metricStage.milterReplies()) {
            meters.latency(metricStage, latencyNanos);
        }
    }

    /** A connection failed at {@code stage}. */
    void failed(MilterStage stage, MilterFailure.Kind kind) {
        MetricStage metricStage = METRIC_STAGES[stage.ordinal()];
        switch (kind) {
            case TIMEOUT -> {
                if (metricStage.milterReplies()) {
                    meters.timeout(metricStage);
                } else {
                    meters.failure(FailureKind.CLOSED);
                }
            }
            case CONNECT -> meters.failure(FailureKind.CONNECT);
            case CLOSED -> meters.failure(FailureKind.CLOSED);
            case PROTOCOL -> meters.failure(FailureKind.PROTOCOL);
        }
    }
}
