package org.pmult.server.condition;

import java.util.List;

/** {@code all(c, ...)}: false as soon as one part is false, true once every part is true. */
public final class AllOf extends Combination {

    public static final String NAME = "all";

    public AllOf(List<Condition> parts) {
        super(NAME, parts);
    }

    @Override
    public Truth evaluate(SessionFacts facts) {
        Truth result = Truth.TRUE;
        for (Condition part : parts()) {
            Truth truth = part.evaluate(facts);
            if (truth == Truth.FALSE) {
                return Truth.FALSE;
            }
            if (truth == Truth.UNKNOWN) {
                result = Truth.UNKNOWN;
            }
        }
        return result;
    }
}
