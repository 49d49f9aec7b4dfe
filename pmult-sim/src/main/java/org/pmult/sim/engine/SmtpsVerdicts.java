package org.pmult.sim.engine;

import java.util.List;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.sim.meta1.FailurePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How smtps turns what came of asking the pmilter into the verdict it applies: the reply as it
 * stands, or, for a timeout, an ERROR reply, a reply the command does not allow, or a lost
 * connection, the failure rule of §10.9 under the configured policy_milter flags.
 */
final class SmtpsVerdicts {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpsVerdicts.class);

    private final String seid;
    private final SimulatorSettings settings;
    private final FailurePolicy policy;
    private final PmilterConversation conversation;

    SmtpsVerdicts(String seid, SimulatorSettings settings, PmilterConversation conversation) {
        this.seid = seid;
        this.settings = settings;
        this.policy = settings.policyMilter().policy();
        this.conversation = conversation;
    }

    /** The verdict for an outcome; a failure applies the failure rule (§10.9) right here. */
    Verdict of(Command command, Outcome outcome, boolean transactionOpen) {
        if (outcome instanceof Outcome.NotSent notSent) {
            return new Verdict(notSent.code(), notSent.text(), List.of(), notSent.source(), null, null);
        }
        Outcome.Failed failed;
        if (outcome instanceof Outcome.Replied replied) {
            PmilterResponse.Reply reply = replied.reply();
            String violation = violation(command, reply, transactionOpen);
            if (reply.code() == ReplyCode.ERROR) {
                failed = new Outcome.Failed(PmilterFailure.ERROR_REPLY, "pmilter answered ERROR to " + command
                        + (reply.text() == null ? "" : " (" + reply.text() + ")"));
            } else if (violation != null) {
                failed = new Outcome.Failed(PmilterFailure.PROTOCOL_VIOLATION, violation);
            } else {
                String text = reply.text() != null ? reply.text() : reply.code().defaultText();
                return new Verdict(reply.code(), text, reply.modifications(), ReplySource.PMILTER, null, null);
            }
        } else {
            failed = (Outcome.Failed) outcome;
        }
        return applyFailurePolicy(command, failed);
    }

    private String violation(Command command, PmilterResponse.Reply reply, boolean transactionOpen) {
        if (reply.code() == ReplyCode.DISCARD && !transactionOpen) {
            return "DISCARD in reply to " + command + " outside a transaction (expected: DISCARD from MAIL on)";
        }
        for (PmilterModification modification : reply.modifications()) {
            if (!modification.kind().capability().isSetIn(settings.offeredCaps())) {
                return "modification " + modification.kind() + " needs " + modification.kind().capability()
                        + ", which smtps did not offer";
            }
        }
        return null;
    }

    private Verdict applyFailurePolicy(Command command, Outcome.Failed failed) {
        LOG.info("session {}: {} failed ({}: {}); applying policy_milter flags {}", seid, command, failed.failure(),
                failed.detail(), policy.flagName());
        conversation.dropConnection();
        return switch (policy) {
            case ABORT -> new Verdict(ReplyCode.SHUTDOWN, Meta1Replies.FAILURE_ABORT, List.of(),
                    ReplySource.FAILURE_POLICY, failed.failure(), failed.detail());
            case ACCEPT_BUT_RECONNECT -> {
                conversation.stopFiltering();
                yield new Verdict(ReplyCode.CONTINUE, null, List.of(), ReplySource.FAILURE_POLICY, failed.failure(),
                        failed.detail());
            }
            case TEMPFAIL -> {
                conversation.detach();
                yield new Verdict(ReplyCode.TEMPFAIL, Meta1Replies.FAILURE_TEMPFAIL, List.of(),
                        ReplySource.FAILURE_POLICY, failed.failure(), failed.detail());
            }
        };
    }
}
