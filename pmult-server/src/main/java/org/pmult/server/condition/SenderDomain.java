package org.pmult.server.condition;

/**
 * {@code sender-domain(pattern, ...)}: the MAIL FROM address's domain matches one of the patterns
 * (the null sender {@code <>} has none and matches nothing); decided at MAIL.
 */
public record SenderDomain(GlobList patterns) implements Condition {

    public static final String NAME = "sender-domain";

    @Override
    public Truth evaluate(SessionFacts facts) {
        if (!facts.reached(ConditionStage.MAIL)) {
            return Truth.UNKNOWN;
        }
        return Truth.of(facts.senderDomain() != null && patterns.matches(facts.senderDomain()));
    }

    @Override
    public String text() {
        return ConditionText.call(NAME, patterns.texts());
    }

    @Override
    public ConditionStage earliest() {
        return ConditionStage.MAIL;
    }

    @Override
    public ConditionStage latest() {
        return ConditionStage.MAIL;
    }
}
