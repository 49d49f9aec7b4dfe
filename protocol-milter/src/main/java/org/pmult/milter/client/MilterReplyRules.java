package org.pmult.milter.client;

import io.netty.util.ReferenceCountUtil;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterReply;

/**
 * What a reply from the filter means for the step it answers, by the negotiated options — Postfix
 * milter8.c's rule that a reply must fit the event it answers: modifications only at end of message
 * and only when their action was negotiated, SMFIR_SKIP only to a body chunk and only with
 * SMFIP_SKIP, SMFIR_PROGRESS only at end of message, a reply code only if it is well formed.
 */
final class MilterReplyRules {

    /** Bounds what one end of message may accumulate; far beyond any real filter (a 4 GiB body is 65536 chunks). */
    static final int MAX_MODIFICATIONS = 65_536;

    /** What a reply means. */
    sealed interface Meaning {
    }

    /** The answer to SMFIC_OPTNEG. */
    record Negotiated(MilterReply.OptionNegotiation reply) implements Meaning {
    }

    /** The filter's verdict on the step. */
    record Answer(MilterVerdict verdict) implements Meaning {
    }

    /** SMFIR_PROGRESS during end of message: the filter needs more time. */
    record Progress() implements Meaning {
    }

    /** One end-of-message modification to keep (leading space already adjusted). */
    record Modify(MilterReply.Modification modification) implements Meaning {
    }

    /** The reply breaks the protocol; it has been released. */
    record Violation(String message) implements Meaning {
    }

    private static final Progress PROGRESS = new Progress();

    private MilterReplyRules() {
    }

    /** Whether the filter answers {@code step}: always the negotiation, else as negotiated (SMFIP_NR_*). */
    static boolean awaitsReply(MilterStep step, NegotiatedOptions options) {
        return step.stage == MilterStage.NEGOTIATE || options.awaitsReply(step.stage);
    }

    /**
     * What {@code reply} means as the answer to {@code step}, the step in flight (null if none);
     * {@code options} are null until negotiated. A violation releases the reply, every other meaning
     * hands it on.
     */
    static Meaning interpret(MilterStep step, MilterReply reply, NegotiatedOptions options) {
        if (step == null || !awaitsReply(step, options)) {
            ReferenceCountUtil.release(reply);
            return new Violation("unexpected " + reply.reply().libmilterName() + " while no command awaits a reply");
        }
        if (step.stage == MilterStage.NEGOTIATE) {
            return reply instanceof MilterReply.OptionNegotiation offerAnswered
                    ? new Negotiated(offerAnswered) : unexpected(step, reply);
        }
        return switch (reply.reply()) {
            case PROGRESS -> step.stage == MilterStage.EOM ? PROGRESS : unexpected(step, reply);
            case ADDHEADER, INSHEADER, CHGHEADER, ADDRCPT, ADDRCPT_PAR, DELRCPT, CHGFROM, REPLBODY, QUARANTINE ->
                    modification(step, (MilterReply.Modification) reply, options);
            case SKIP -> step.stage == MilterStage.BODY && options.has(ProtocolFlag.SKIP)
                    ? new Answer(MilterVerdict.SKIP) : unexpected(step, reply);
            case REPLYCODE -> replyCode(step, (MilterReply.ReplyCode) reply);
            case CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD, CONN_FAIL, SHUTDOWN -> new Answer(MilterVerdict.of(reply));
            case OPTNEG, SETSYMLIST -> unexpected(step, reply);
        };
    }

    private static Meaning replyCode(MilterStep step, MilterReply.ReplyCode reply) {
        ReplyTextValidator.Result checked = ReplyTextValidator.check(reply.text());
        if (checked instanceof ReplyTextValidator.Invalid invalid) {
            return new Violation("SMFIR_REPLYCODE in reply to " + step.commandName()
                    + " breaks the rule \"" + invalid.rule().description() + "\" (" + invalid.detail() + ")");
        }
        return new Answer(new MilterVerdict.ReplyCode(((ReplyTextValidator.Valid) checked).text()));
    }

    private static Meaning modification(MilterStep step, MilterReply.Modification modification,
                                        NegotiatedOptions options) {
        if (!(step instanceof MilterStep.EndOfMessage eom)) {
            return unexpected(step, modification);
        }
        ActionFlag needed = modification.requiredAction();
        if (!options.allows(needed)) {
            ReferenceCountUtil.release(modification);
            return new Violation(modification.reply().libmilterName() + " needs "
                    + needed.libmilterName() + ", which was not negotiated");
        }
        if (eom.modificationCount() >= MAX_MODIFICATIONS) {
            ReferenceCountUtil.release(modification);
            return new Violation("more than " + MAX_MODIFICATIONS + " modifications in reply to " + step.commandName());
        }
        return new Modify(HeaderLeadingSpace.fromFilter(modification, options));
    }

    private static Violation unexpected(MilterStep step, MilterReply reply) {
        ReferenceCountUtil.release(reply);
        return new Violation("unexpected " + reply.reply().libmilterName() + " in reply to " + step.commandName());
    }
}
