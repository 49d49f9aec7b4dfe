package org.pmult.server.condition;

/**
 * {@code helo(pattern, ...)}: the HELO/EHLO name matches one of the patterns; decided at HELO, or at
 * MAIL for a client that sent none (then it matches nothing).
 */
public record HeloMatches(GlobList patterns) implements Condition {

    public static final String NAME = "helo";

    @Override
    public Truth evaluate(SessionFacts facts) {
        if (facts.helo() != null) {
            return Truth.of(patterns.matches(facts.helo()));
        }
        return facts.reached(ConditionStage.MAIL) ? Truth.FALSE : Truth.UNKNOWN;
    }

    @Override
    public String text() {
        return ConditionText.call(NAME, patterns.texts());
    }

    @Override
    public ConditionStage earliest() {
        return ConditionStage.HELO;
    }

    @Override
    public ConditionStage latest() {
        return ConditionStage.MAIL;
    }
}
