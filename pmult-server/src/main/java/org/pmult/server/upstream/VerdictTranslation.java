package org.pmult.server.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.pmult.milter.client.MilterEndOfMessage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.OctetText;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.server.config.QuarantineAction;
import org.pmult.server.session.LegVerdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Milter verdicts and end-of-message changes in the pmilter profile's terms: a {@code y} reply is a
 * reject or tempfail by its code (421 shuts the session down), connection-fail and shutdown end the
 * SMTP session, skip is a continue; each Milter change becomes the matching MOD group, with
 * Sendmail's meaning where smtps would read it otherwise: a CHGHEADER of an instance the message
 * does not have adds the header (an empty one deletes nothing and is dropped), header values get
 * CRLF folding ({@link HeaderValues}). What smtps cannot take is never silent: ESMTP arguments of an
 * added recipient or a new sender are logged and dropped, a quarantine becomes the client's
 * {@link QuarantineAction} ({@link QuarantineHandling}).
 */
final class VerdictTranslation {

    private static final Logger LOG = LoggerFactory.getLogger(VerdictTranslation.class);

    private VerdictTranslation() {
    }

    /** What the end-of-message translation needs to know of the client and of the message. */
    record Context(String client, QuarantineAction quarantineAction, Consumer<QuarantineHandling.Outcome> quarantines,
                   HeaderInstances headers) {
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

    static LegVerdict of(MilterEndOfMessage end, Context context) {
        try {
            LegVerdict verdict = of(end.verdict());
            if (end.modifications().isEmpty()) {
                return verdict;
            }
            String quarantine = null;
            for (MilterReply.Modification change : end.modifications()) {
                if (change instanceof MilterReply.Quarantine request && quarantine == null) {
                    quarantine = request.reason();
                }
            }
            LegVerdict modified = new LegVerdict(verdict.kind(), verdict.text(),
                    modifications(end.modifications(), context), verdict.defaultAction());
            return quarantine == null ? modified : QuarantineHandling.apply(modified, quarantine, context.client(),
                    context.quarantineAction(), context.quarantines());
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

    /**
     * The pmilter MOD groups for a milter's changes, in order; replacement body chunks are copied out.
     * Quarantine requests are left to the caller.
     */
    static List<PmilterModification> modifications(List<MilterReply.Modification> changes, Context context) {
        String client = context.client();
        HeaderInstances headers = context.headers().copy();
        List<PmilterModification> out = new ArrayList<>(changes.size());
        for (MilterReply.Modification change : changes) {
            if (change instanceof MilterReply.AddHeader add) {
                headers.seen(add.name());
                out.add(new PmilterModification.AddHeader(add.name(), HeaderValues.crlfFolded(add.value())));
            } else if (change instanceof MilterReply.InsertHeader insert) {
                headers.seen(insert.name());
                out.add(new PmilterModification.InsertHeader(insert.index(), insert.name(),
                        HeaderValues.crlfFolded(insert.value())));
            } else if (change instanceof MilterReply.ChangeHeader header) {
                changeHeader(out, header, headers, client);
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
                if (from.esmtpArgs() != null && !from.esmtpArgs().isEmpty()) {
                    LOG.warn("client {}: ESMTP arguments \"{}\" of new sender {} dropped: the pmilter profile carries none",
                            client, from.esmtpArgs(), from.sender());
                }
                out.add(new PmilterModification.ChangeSender(from.sender()));
            } else if (change instanceof MilterReply.ReplaceBody body) {
                addBody(out, body.content());
            } else if (!(change instanceof MilterReply.Quarantine)) {
                LOG.warn("client {}: modification {} has no pmilter equivalent; ignored", client, change);
            }
        }
        return out;
    }

    /** Sendmail's CHGHEADER: change or delete an existing instance; add the header when there is none. */
    private static void changeHeader(List<PmilterModification> out, MilterReply.ChangeHeader header,
                                     HeaderInstances headers, String client) {
        if (headers.exists(header.name(), header.index())) {
            out.add(new PmilterModification.ChangeHeader(header.index(), header.name(),
                    HeaderValues.crlfFolded(header.value())));
        } else if (!header.value().isEmpty()) {
            LOG.debug("client {}: {} has no instance {}; adding it, as Sendmail does", client, OctetText.readable(header.name()),
                    header.index());
            headers.seen(header.name());
            out.add(new PmilterModification.AddHeader(header.name(), HeaderValues.crlfFolded(header.value())));
        } else {
            LOG.debug("client {}: deleting instance {} of {}, which the message does not have: nothing to do", client,
                    header.index(), OctetText.readable(header.name()));
        }
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
