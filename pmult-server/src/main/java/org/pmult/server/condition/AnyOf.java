package org.pmult.server.condition;

import java.util.List;

/** {@code any(c, ...)}: true as soon as one part is true, false once every part is false. */
public final class AnyOf extends Combination {

    public static final String NAME = "any";

    public AnyOf(List<Condition> parts) {
        super(NAME, Truth.TRUE, parts);
    }
}
