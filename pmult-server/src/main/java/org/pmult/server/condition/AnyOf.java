package org.pmult.server.condition;

import java.util.List;

/** {@code any(c, ...)}: true as soon as one part is true, false once every part is false. */
public final class AnyOf extends Combination {

    public static final String NAME = "any";

    public AnyOf(List<Condition> parts) {
        super(NAME, parts);
    }

    @Override
    public Truth evaluate(SessionFacts facts) {
        Truth result = Truth.FALSE;
        for (Condition part : parts()) {
            Truth truth = part.evaluate(facts);
            if (truth == Truth.TRUE) {
                return Truth.TRUE;
            }
            if (truth == Truth.UNKNOWN) {
                result = Truth.UNKNOWN;
            }
        }
        return result;
    }
}
