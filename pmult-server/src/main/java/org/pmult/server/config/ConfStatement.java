package org.pmult.server.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One statement of a Mailutils-syntax file (GNU pmult.conf, mailfromd.conf): a keyword, its values,
 * and for a block statement the statements inside the braces.
 *
 * @param keyword  the statement name, e.g. {@code client}
 * @param values   the values after the keyword, e.g. {@code [mfd]} or {@code [30, seconds]}
 * @param block    the statements in braces, present for block statements only
 * @param location where the keyword stands
 */
record ConfStatement(String keyword, List<Value> values, Optional<List<ConfStatement>> block, ConfigLocation location) {

    ConfStatement {
        Objects.requireNonNull(keyword, "keyword");
        values = List.copyOf(values);
        block = block.map(List::copyOf);
        Objects.requireNonNull(location, "location");
    }

    /** A statement value: a word or string, or a parenthesised list. */
    sealed interface Value {
        ConfigLocation location();

        /** An unquoted word, quoted string or here-document, after escape processing. */
        record Scalar(String text, boolean quoted, ConfigLocation location) implements Value {
            @Override
            public String toString() {
                return quoted ? "\"" + text + "\"" : text;
            }
        }

        /** {@code (a, b, c)}. */
        record ListValue(List<Value> items, ConfigLocation location) implements Value {
            public ListValue {
                items = List.copyOf(items);
            }

            @Override
            public String toString() {
                return items.toString().replace('[', '(').replace(']', ')');
            }
        }
    }
}
