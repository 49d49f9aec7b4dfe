package org.pmult.server.upstream;

import org.pmult.milter.codec.OctetText;
import org.pmult.server.config.QuarantineAction;
import org.pmult.server.session.LegVerdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A milter's SMFIR_QUARANTINE in terms smtps can apply: the client's {@link QuarantineAction}
 * replaces an end-of-message continue or accept (a reject, tempfail or discard of the milter's own
 * stands, being at least as strict). Every request is logged (WARN, with the milter's reason) and
 * counted by what became of it.
 */
final class QuarantineHandling {

    private static final Logger LOG = LoggerFactory.getLogger(QuarantineHandling.class);
    static final String TEMPFAIL_TEXT = "451 4.7.1 Message held by a content filter, try again later";
    static final String REJECT_TEXT = "550 5.7.1 Message refused by a content filter";

    /** What became of a quarantine request, the {@code action} tag of {@code pmult_milter_quarantines_total}. */
    enum Outcome {
        TEMPFAIL, REJECT, DISCARD, ACCEPT,
        /** The milter refused or discarded the message itself; its verdict stood. */
        SUPERSEDED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private QuarantineHandling() {
    }

    /**
     * The verdict once {@code client}'s quarantine request ({@code reason}) is handled with
     * {@code action}; {@code counter} is told the outcome.
     */
    static LegVerdict apply(LegVerdict verdict, String reason, String client, QuarantineAction action,
                            java.util.function.Consumer<Outcome> counter) {
        if (verdict.decides()) {
            LOG.warn("milter \"{}\" asked to quarantine the message (\"{}\") and answered {} itself; its verdict stands",
                    client, OctetText.readable(reason), verdict.kind().name().toLowerCase(java.util.Locale.ROOT));
            counter.accept(Outcome.SUPERSEDED);
            return verdict;
        }
        LegVerdict result = switch (action) {
            case TEMPFAIL -> new LegVerdict(LegVerdict.Kind.TEMPFAIL, TEMPFAIL_TEXT, List.of(), false);
            case REJECT -> new LegVerdict(LegVerdict.Kind.REJECT, REJECT_TEXT, List.of(), false);
            case DISCARD -> new LegVerdict(LegVerdict.Kind.DISCARD, null, List.of(), false);
            case ACCEPT -> verdict;
        };
        LOG.warn("milter \"{}\" asked to quarantine the message (\"{}\"); smtps has no hold queue, so the message is"
                        + " {} (quarantine-action {})", client, OctetText.readable(reason), switch (action) {
                    case TEMPFAIL -> "refused for now with 451, the sender keeps it";
                    case REJECT -> "refused with 550";
                    case DISCARD -> "discarded";
                    case ACCEPT -> "delivered";
                }, action.configName());
        counter.accept(Outcome.valueOf(action.name()));
        return result;
    }
}
