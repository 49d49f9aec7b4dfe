package org.pmult.server.condition;

import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What {@link AllOf} and {@link AnyOf} share: their parts, written and summed up the same way, and
 * one three-valued evaluation: the first part with the deciding value decides (FALSE for all, TRUE
 * for any); else the result is unknown while a part is, and the other value once none is.
 */
abstract class Combination implements Condition {

    private final String name;
    private final Truth deciding;
    private final List<Condition> parts;

    Combination(String name, Truth deciding, List<Condition> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException(name + "() has no conditions (expected: at least one)");
        }
        this.name = name;
        this.deciding = deciding;
        this.parts = List.copyOf(parts);
    }

    List<Condition> parts() {
        return parts;
    }

    @Override
    public final Truth evaluate(SessionFacts facts) {
        Truth result = deciding == Truth.FALSE ? Truth.TRUE : Truth.FALSE;
        for (Condition part : parts) {
            Truth truth = part.evaluate(facts);
            if (truth == deciding) {
                return deciding;
            }
            if (truth == Truth.UNKNOWN) {
                result = Truth.UNKNOWN;
            }
        }
        return result;
    }

    @Override
    public String text() {
        return name + "(" + String.join(", ", parts.stream().map(Condition::text).toList()) + ")";
    }

    @Override
    public ConditionStage earliest() {
        return parts.stream().map(Condition::earliest).min(Comparator.naturalOrder()).orElseThrow();
    }

    @Override
    public ConditionStage latest() {
        return parts.stream().map(Condition::latest).max(Comparator.naturalOrder()).orElseThrow();
    }

    @Override
    public Set<Macro> meta1Macros() {
        Set<Macro> macros = EnumSet.noneOf(Macro.class);
        parts.forEach(part -> macros.addAll(part.meta1Macros()));
        return macros;
    }

    @Override
    public boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && ((Combination) other).parts.equals(parts);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + parts.hashCode();
    }

    @Override
    public String toString() {
        return text();
    }
}
