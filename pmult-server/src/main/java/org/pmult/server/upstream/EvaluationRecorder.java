package org.pmult.server.upstream;

import org.pmult.milter.codec.OctetText;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.server.metrics.EvaluationMeters;
import org.pmult.server.metrics.MetricAction;
import org.pmult.server.metrics.MetricStage;
import org.pmult.server.session.LegVerdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Logs and counts what a client in evaluation mode answered: every verdict by stage and action,
 * and each change to the message it asked for. Nothing recorded here was applied. Shared by the
 * client's sessions; thread-safe.
 */
final class EvaluationRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationRecorder.class);

    private final String client;
    private final EvaluationMeters meters;

    EvaluationRecorder(String client, EvaluationMeters meters) {
        this.client = client;
        this.meters = meters;
    }

    EvaluationMeters meters() {
        return meters;
    }

    /** Records the answer to {@code stage} in session {@code seid}; continues without changes only count. */
    void record(String seid, MetricStage stage, LegVerdict verdict) {
        meters.verdict(stage, action(verdict.kind()));
        for (PmilterModification modification : verdict.modifications()) {
            meters.modification(modification.kind());
        }
        if (verdict.kind() == LegVerdict.Kind.CONTINUE && verdict.modifications().isEmpty() && !verdict.defaultAction()) {
            LOG.debug("session {}: evaluated client \"{}\": {} -> continue", seid, client, stage.tag());
            return;
        }
        LOG.info("session {}: evaluated client \"{}\" would have answered {} with {}{}{}{} (not applied)", seid, client,
                stage.tag(), action(verdict.kind()).tag(), verdict.text() == null ? "" : " \"" + OctetText.readable(verdict.text()) + "\"",
                verdict.defaultAction() ? " (its default action: the milter failed)" : "",
                verdict.modifications().isEmpty() ? "" : " and changes " + describe(verdict.modifications()));
    }

    static MetricAction action(LegVerdict.Kind kind) {
        return switch (kind) {
            case CONTINUE -> MetricAction.CONTINUE;
            case ACCEPT -> MetricAction.ACCEPT;
            case REJECT -> MetricAction.REJECT;
            case TEMPFAIL -> MetricAction.TEMPFAIL;
            case DISCARD -> MetricAction.DISCARD;
            case SHUTDOWN -> MetricAction.SHUTDOWN;
        };
    }

    /**
     * The changes for a log line: kind and header or address, shown readably ({@link OctetText});
     * a replacement body only by its size.
     */
    private static List<String> describe(List<PmilterModification> modifications) {
        List<String> out = new ArrayList<>(modifications.size());
        int bodyBytes = 0;
        for (PmilterModification modification : modifications) {
            String kind = EvaluationMeters.tag(modification.kind());
            if (modification instanceof PmilterModification.AddHeader add) {
                out.add(kind + " " + OctetText.readable(add.name()) + ": " + OctetText.readable(add.value()));
            } else if (modification instanceof PmilterModification.InsertHeader insert) {
                out.add(kind + " #" + insert.index() + " " + OctetText.readable(insert.name()) + ": "
                        + OctetText.readable(insert.value()));
            } else if (modification instanceof PmilterModification.ChangeHeader change) {
                out.add(kind + " " + OctetText.readable(change.name()) + "[" + change.index() + "]: "
                        + OctetText.readable(change.value()));
            } else if (modification instanceof PmilterModification.AddRecipient rcpt) {
                out.add(kind + " " + OctetText.readable(rcpt.address()));
            } else if (modification instanceof PmilterModification.DeleteRecipient rcpt) {
                out.add(kind + " " + OctetText.readable(rcpt.address()));
            } else if (modification instanceof PmilterModification.ChangeSender sender) {
                out.add(kind + " " + OctetText.readable(sender.address()));
            } else if (modification instanceof PmilterModification.ReplaceBody body) {
                bodyBytes += body.body().length;
            }
        }
        if (bodyBytes > 0) {
            out.add("replace-body (" + bodyBytes + " bytes)");
        }
        return out;
    }
}
