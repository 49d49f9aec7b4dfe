package org.pmult.server.condition;

/**
 * {@code recipient-domain(pattern, ...)}: an accepted recipient's domain matches one of the patterns.
 * True once such a recipient is accepted (the RCPT reply was neither reject nor tempfail), false at
 * DATA when none was.
 */
public record RecipientDomain(GlobList patterns) implements Condition {

    public static final String NAME = "recipient-domain";

    @Override
    public Truth evaluate(SessionFacts facts) {
        if (!facts.reached(ConditionStage.MAIL)) {
            return Truth.UNKNOWN;
        }
        for (String domain : facts.recipientDomains()) {
            if (patterns.matches(domain)) {
                return Truth.TRUE;
            }
        }
        return facts.reached(ConditionStage.DATA) ? Truth.FALSE : Truth.UNKNOWN;
    }

    @Override
    public String text() {
        return ConditionText.call(NAME, patterns.texts());
    }

    @Override
    public ConditionStage earliest() {
        return ConditionStage.RCPT;
    }

    @Override
    public ConditionStage latest() {
        return ConditionStage.DATA;
    }
}
