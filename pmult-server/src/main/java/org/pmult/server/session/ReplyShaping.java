package org.pmult.server.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.codec.PmilterResponseWriter;
import org.pmult.server.metrics.MetricAction;
import org.pmult.server.metrics.MetricStage;
import org.pmult.server.metrics.PmultMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The last touches on a session's reply to smtps: only the changes smtps offered to apply, a DOT reply
 * that fits one pmilter message, and the reply counted by stage and action.
 */
final class ReplyShaping {

    private static final Logger LOG = LoggerFactory.getLogger(MultiplexSession.class);

    private ReplyShaping() {
    }

    /** Keeps the modifications smtps said it can apply; logs the others. */
    static List<PmilterModification> supported(List<PmilterModification> modifications, int offeredCaps, String seid) {
        if (modifications.isEmpty()) {
            return modifications;
        }
        List<PmilterModification> kept = new ArrayList<>(modifications.size());
        for (PmilterModification modification : modifications) {
            Capability needed = modification.kind().capability();
            if (needed.isSetIn(offeredCaps)) {
                kept.add(modification);
            } else {
                LOG.warn("session {}: dropping {} requested by a milter: smtps did not offer {}", seid,
                        modification.kind(), needed);
            }
        }
        return kept;
    }

    /**
     * The DOT reply as it is if it fits one pmilter message; else a tempfail. Sending it anyway would
     * fail in the encoder and cost the whole MeTA1 connection; dropping the changes would pass the
     * message on without what the milters asked for.
     */
    static PmilterResponse.Reply fitted(PmilterResponse.Reply reply, List<String> changers, int maxReplyLength,
                                        String clientAddress, String messageId) {
        ByteBuf probe = Unpooled.buffer();
        int length;
        try {
            PmilterResponseWriter.write(reply, probe);
            length = probe.readableBytes() - PmilterCodes.LENGTH_FIELD_LENGTH;
        } finally {
            probe.release();
        }
        if (length <= maxReplyLength) {
            return reply;
        }
        LOG.warn("session {} client {} msgid {}: changes to the message by client(s) {} need a reply of {} bytes "
                        + "(expected: <= {}); tempfailing the message (raise limits.max-frame-length if such changes are expected)",
                reply.seid(), clientAddress, messageId == null ? "-" : messageId, changers, length, maxReplyLength);
        return new PmilterResponse.Reply(reply.seid(), ReplyCode.TEMPFAIL, null, List.of());
    }

    static void count(PmultMetrics metrics, MetricStage stage, ReplyCode code) {
        if (metrics != null) {
            metrics.verdict(stage, switch (code) {
                case CONTINUE -> MetricAction.CONTINUE;
                case ACCEPT -> MetricAction.ACCEPT;
                case REJECT -> MetricAction.REJECT;
                case TEMPFAIL -> MetricAction.TEMPFAIL;
                case DISCARD -> MetricAction.DISCARD;
                case SHUTDOWN -> MetricAction.SHUTDOWN;
                case ERROR -> MetricAction.ERROR;
            });
        }
    }
}
