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
record ConfStatement(String keyword, List<Value> values, Optional<List<ConfStatement>> block, Location location) {

    ConfStatement {
        Objects.requireNonNull(keyword, "keyword");
        values = List.copyOf(values);
        block = block.map(List::copyOf);
        Objects.requireNonNull(location, "location");
    }

    /** A position in a configuration file; prints as {@code FILE:LINE}. */
    record Location(String file, int line) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    /** A statement value: a word or string, or a parenthesised list. */
    sealed interface Value {
        Location location();

        /** An unquoted word, quoted string or here-document, after escape processing. */
        record Scalar(String text, boolean quoted, Location location) implements Value {
            @Override
            public String toString() {
                return quoted ? "\"" + text + "\"" : text;
            }
        }

        /** {@code (a, b, c)}. */
        record ListValue(List<Value> items, Location location) implements Value {
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
