package org.pmult.server.config;

import org.pmult.server.config.ConfStatement.Value;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One pmult.conf statement being read as a setting: its values in the forms GNU pmult's syntax
 * has (words, lists, mailfromd intervals, yes/no, sizes), each error at the statement's line and
 * naming the setting ({@code limits max-frame-length: bad size "lots" ...}).
 *
 * @param statement the statement
 * @param setting   how messages name it: the keyword, with its block ({@code limits idle-timeout}) or
 *                  client ({@code client "mfd": read-timeout})
 */
record GnuStatement(ConfStatement statement, String setting) {

    /** A top-level statement, named by its keyword. */
    static GnuStatement of(ConfStatement statement) {
        return new GnuStatement(statement, statement.keyword());
    }

    /** A statement inside a block, named {@code PREFIX KEYWORD} ({@code PREFIX: KEYWORD} for a client). */
    static GnuStatement inside(String prefix, ConfStatement statement) {
        return new GnuStatement(statement, prefix + " " + statement.keyword());
    }

    String keyword() {
        return statement.keyword();
    }

    ConfigLocation location() {
        return statement.location();
    }

    <T> Located<T> located(T value) {
        return new Located<>(value, statement.location(), setting);
    }

    /** The one value, as text. */
    String scalar() {
        noBlock();
        List<Value> values = statement.values();
        if (values.size() != 1) {
            throw error(setting + " takes one value (found " + values.size() + (values.isEmpty() ? "" : ": " + values) + ")");
        }
        return text(values.get(0));
    }

    /** Exactly {@code count} values, as text. */
    List<String> scalars(int count) {
        noBlock();
        if (statement.values().size() != count) {
            throw error(setting + " takes " + count + " values (found " + statement.values().size() + ")");
        }
        return statement.values().stream().map(this::text).toList();
    }

    /** All values joined by spaces, for statements like {@code write-timeout 30 seconds;}. */
    String joined() {
        noBlock();
        if (statement.values().isEmpty()) {
            throw error(setting + " needs a value");
        }
        return String.join(" ", statement.values().stream().map(this::text).toList());
    }

    /** A list's strings, or a single value as a one-element list (Mailutils allows both). */
    List<String> strings(Value value) {
        if (value instanceof Value.Scalar scalar) {
            return List.of(scalar.text());
        }
        List<String> out = new ArrayList<>();
        for (Value item : ((Value.ListValue) value).items()) {
            out.add(text(item));
        }
        return out;
    }

    String text(Value value) {
        if (value instanceof Value.Scalar scalar) {
            return scalar.text();
        }
        throw invalid("a list is not allowed here (found " + value + ")");
    }

    /** A mailfromd interval: {@code 30}, {@code 30 seconds}, {@code 1 hour 30 minutes}. */
    Duration interval() {
        return converted(Intervals::parse, joined());
    }

    /** A non-negative integer of up to ten digits, capped at {@link Integer#MAX_VALUE}. */
    int number() {
        String text = scalar();
        if (!text.matches("\\d{1,10}")) {
            throw invalid("bad number \"" + text + "\" (expected: a non-negative integer)");
        }
        return (int) Math.min(Long.parseLong(text), Integer.MAX_VALUE);
    }

    /** Bytes, optionally with a binary suffix: {@code 1048576}, {@code 1024K}, {@code 1M}; capped at {@link Integer#MAX_VALUE}. */
    int size() {
        String text = scalar();
        String lower = text.toLowerCase(Locale.ROOT);
        long multiplier = 1;
        String digits = lower;
        for (String[] suffix : new String[][] {{"kib", "1024"}, {"k", "1024"}, {"mib", "1048576"}, {"m", "1048576"}}) {
            if (lower.endsWith(suffix[0])) {
                multiplier = Long.parseLong(suffix[1]);
                digits = lower.substring(0, lower.length() - suffix[0].length()).strip();
                break;
            }
        }
        if (!digits.matches("\\d{1,10}")) {
            throw invalid("bad size \"" + text + "\" (expected: bytes, e.g. 1048576, 1024K or 1M)");
        }
        return (int) Math.min(Long.parseLong(digits) * multiplier, Integer.MAX_VALUE);
    }

    /** A mailutils-style boolean: yes/no, true/false, on/off, t/nil, 1/0. */
    boolean yesOrNo() {
        String word = scalar();
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "yes", "true", "on", "t", "1" -> true;
            case "no", "false", "off", "nil", "0" -> false;
            default -> throw invalid("\"" + word + "\" (expected: yes or no)");
        };
    }

    <T> T converted(java.util.function.Function<String, T> conversion, String text) {
        try {
            return conversion.apply(text);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    void noBlock() {
        if (statement.block().isPresent()) {
            throw error(keyword() + " is a simple statement, not a block (write " + keyword() + " VALUE;)");
        }
    }

    void block() {
        if (statement.block().isEmpty()) {
            throw error(keyword() + " is a block statement (write " + keyword() + " { ... })");
        }
    }

    /** The statements of a block that takes no value before its brace. */
    List<ConfStatement> blockOf() {
        block();
        if (!statement.values().isEmpty()) {
            throw error(keyword() + " takes no value before \"{\"");
        }
        return statement.block().get();
    }

    /** {@code LOCATION: SETTING: PROBLEM}. */
    ConfigException invalid(String problem) {
        return new ConfigException(location().toString(), setting + ": " + problem);
    }

    /** {@code LOCATION: PROBLEM}, for problems that name the statement themselves. */
    ConfigException error(String problem) {
        return new ConfigException(location().toString(), problem);
    }

    /** An unknown statement, with the closest known one as a suggestion. */
    static ConfigException unknown(ConfStatement statement, Set<String> known, String where) {
        String hint = Suggestions.closest(statement.keyword(), known).map(best -> " (did you mean \"" + best + "\"?)").orElse("");
        boolean maybeMailfromd = where.isEmpty() && hint.isEmpty();
        String sharing = maybeMailfromd
                ? "; if this file is shared with mailfromd, put pmult's statements in a program pmult { ... } block" : "";
        return new ConfigException(statement.location().toString(), "unknown statement \"" + statement.keyword() + "\""
                + where + hint + sharing);
    }
}
