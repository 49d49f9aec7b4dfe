package org.pmult.server.condition;

import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** What {@link AllOf} and {@link AnyOf} share: their parts, written and summed up the same way. */
abstract class Combination implements Condition {

    private final String name;
    private final List<Condition> parts;

    Combination(String name, List<Condition> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException(name + "() has no conditions (expected: at least one)");
        }
        this.name = name;
        this.parts = List.copyOf(parts);
    }

    List<Condition> parts() {
        return parts;
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
