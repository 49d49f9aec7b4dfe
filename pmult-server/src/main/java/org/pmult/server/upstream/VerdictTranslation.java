package org.pmult.server.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.pmult.milter.client.MilterEndOfMessage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.codec.MilterReply;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.server.session.LegVerdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Milter verdicts and end-of-message changes in the pmilter profile's terms: a {@code y} reply is a
 * reject or tempfail by its code (421 shuts the session down), connection-fail and shutdown end the
 * SMTP session, skip is a continue; each Milter change becomes the matching MOD group, a
 * quarantine (which MeTA1 cannot do) is logged and dropped.
 */
final class VerdictTranslation {

    private static final Logger LOG = LoggerFactory.getLogger(VerdictTranslation.class);

    private VerdictTranslation() {
    }

    static LegVerdict of(MilterVerdict verdict) {
        MilterVerdict decided = verdict.resolved();
        LegVerdict.Kind kind = switch (decided.type()) {
            case CONTINUE, SKIP -> LegVerdict.Kind.CONTINUE;
            case ACCEPT -> LegVerdict.Kind.ACCEPT;
            case REJECT -> LegVerdict.Kind.REJECT;
            case TEMPFAIL -> LegVerdict.Kind.TEMPFAIL;
            case DISCARD -> LegVerdict.Kind.DISCARD;
            case CONNECTION_FAIL, SHUTDOWN -> LegVerdict.Kind.SHUTDOWN;
            case REPLY_CODE -> replyKind((MilterVerdict.ReplyCode) decided);
            case DEFAULT_ACTION -> throw new IllegalStateException("a resolved verdict is never a default action");
        };
        String text = decided instanceof MilterVerdict.ReplyCode reply ? reply.text() : null;
        if (!verdict.isDefaultAction() && text == null) {
            return LegVerdict.of(kind);
        }
        return new LegVerdict(kind, text, List.of(), verdict.isDefaultAction());
    }

    static LegVerdict of(MilterEndOfMessage end, String client) {
        try {
            LegVerdict verdict = of(end.verdict());
            if (end.modifications().isEmpty()) {
                return verdict;
            }
            return new LegVerdict(verdict.kind(), verdict.text(), modifications(end.modifications(), client),
                    verdict.defaultAction());
        } finally {
            end.release();
        }
    }

    private static LegVerdict.Kind replyKind(MilterVerdict.ReplyCode reply) {
        if (reply.code() == 421) {
            return LegVerdict.Kind.SHUTDOWN;
        }
        return reply.isTemporary() ? LegVerdict.Kind.TEMPFAIL : LegVerdict.Kind.REJECT;
    }

    /** The pmilter MOD groups for a milter's changes, in order; replacement body chunks are copied out. */
    static List<PmilterModification> modifications(List<MilterReply.Modification> changes, String client) {
        List<PmilterModification> out = new ArrayList<>(changes.size());
        for (MilterReply.Modification change : changes) {
            if (change instanceof MilterReply.AddHeader add) {
                out.add(new PmilterModification.AddHeader(add.name(), add.value()));
            } else if (change instanceof MilterReply.InsertHeader insert) {
                out.add(new PmilterModification.InsertHeader(insert.index(), insert.name(), insert.value()));
            } else if (change instanceof MilterReply.ChangeHeader header) {
                out.add(new PmilterModification.ChangeHeader(header.index(), header.name(), header.value()));
            } else if (change instanceof MilterReply.AddRcpt rcpt) {
                out.add(new PmilterModification.AddRecipient(rcpt.recipient()));
            } else if (change instanceof MilterReply.AddRcptWithArgs rcpt) {
                if (rcpt.esmtpArgs() != null && !rcpt.esmtpArgs().isEmpty()) {
                    LOG.warn("client {}: ESMTP arguments \"{}\" of added recipient {} dropped: the pmilter profile carries none",
                            client, rcpt.esmtpArgs(), rcpt.recipient());
                }
                out.add(new PmilterModification.AddRecipient(rcpt.recipient()));
            } else if (change instanceof MilterReply.DeleteRcpt rcpt) {
                out.add(new PmilterModification.DeleteRecipient(rcpt.recipient()));
            } else if (change instanceof MilterReply.ChangeFrom from) {
                out.add(new PmilterModification.ChangeSender(from.sender()));
            } else if (change instanceof MilterReply.ReplaceBody body) {
                addBody(out, body.content());
            } else if (change instanceof MilterReply.Quarantine quarantine) {
                LOG.warn("client {}: quarantine (\"{}\") requested, but MeTA1 has no quarantine; ignored",
                        client, quarantine.reason());
            } else {
                LOG.warn("client {}: modification {} has no pmilter equivalent; ignored", client, change);
            }
        }
        return out;
    }

    /** Replacement body, in MOD_VALUE pieces small enough for any frame bound (pmilter §10.8 concatenates them). */
    private static void addBody(List<PmilterModification> out, ByteBuf content) {
        int at = content.readerIndex();
        int end = content.writerIndex();
        do {
            int length = Math.min(PmilterCodes.MAX_CHUNK_LENGTH, end - at);
            out.add(new PmilterModification.ReplaceBody(ByteBufUtil.getBytes(content, at, length)));
            at += length;
        } while (at < end);
    }
}
