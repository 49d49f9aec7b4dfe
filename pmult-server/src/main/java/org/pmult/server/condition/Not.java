package org.pmult.server.condition;

import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.util.Set;

/** {@code not(c)}: true when {@code c} is false, unknown while {@code c} is. */
public record Not(Condition part) implements Condition {

    public static final String NAME = "not";

    @Override
    public Truth evaluate(SessionFacts facts) {
        return part.evaluate(facts).negated();
    }

    @Override
    public String text() {
        return NAME + "(" + part.text() + ")";
    }

    @Override
    public ConditionStage earliest() {
        return part.earliest();
    }

    @Override
    public ConditionStage latest() {
        return part.latest();
    }

    @Override
    public Set<Macro> meta1Macros() {
        return part.meta1Macros();
    }
}
