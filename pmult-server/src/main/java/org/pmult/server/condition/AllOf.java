package org.pmult.server.condition;

import java.util.List;

/** {@code all(c, ...)}: false as soon as one part is false, true once every part is true. */
public final class AllOf extends Combination {

    public static final String NAME = "all";

    public AllOf(List<Condition> parts) {
        super(NAME, Truth.FALSE, parts);
    }
}
