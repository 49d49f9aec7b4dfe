package org.pmult.sim.meta1;

import java.util.List;
import java.util.Locale;

/** The generic syntax tree of a meta1.conf: named entries whose values are scalars, lists or sections. */
final class Meta1Tree {

    private Meta1Tree() {
    }

    /** A value on the right of {@code name =}, or the body of {@code name [label] { … }}. */
    sealed interface Value permits Scalar, ListValue, Section {
        int line();
    }

    /** A word or quoted string. */
    record Scalar(String text, int line) implements Value {
    }

    /** {@code { a, b }}. */
    record ListValue(List<Scalar> items, int line) implements Value {
    }

    /** {@code { name = value; … }}. */
    record Section(List<Entry> entries, int line) implements Value {
    }

    /**
     * One statement.
     *
     * @param label the optional word between a section's name and its brace ({@code smtps MTA1 { … }}),
     *              or {@code null}
     */
    record Entry(String name, String label, Value value, int line) {

        /** Whether this entry is called {@code wanted}; MeTA1 names are compared case-insensitively. */
        boolean isNamed(String wanted) {
            return name.toLowerCase(Locale.ROOT).equals(wanted);
        }
    }
}
