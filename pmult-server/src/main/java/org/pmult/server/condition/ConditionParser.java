package org.pmult.server.condition;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a client's condition, the same text in both configuration syntaxes:
 *
 * <pre>
 * condition := all(condition, ...) | any(condition, ...) | not(condition)
 *            | client-address(block, ...) | authenticated
 *            | helo(pattern, ...) | sender-domain(pattern, ...) | recipient-domain(pattern, ...)
 *            | size-below(size) | size-above(size)
 * </pre>
 *
 * An argument is a bare word (no white space, parentheses, commas or quotes) or a double-quoted
 * string with {@code \"} and {@code \\} escapes; a size is a number of bytes with an optional
 * {@code K}, {@code M} or {@code G} (binary multiples). Errors name the column.
 */
public final class ConditionParser {

    /** Predicate and combinator names, for the error about an unknown one. */
    static final List<String> NAMES = List.of(AllOf.NAME, AnyOf.NAME, Not.NAME, ClientAddressIn.NAME, Authenticated.NAME,
            HeloMatches.NAME, SenderDomain.NAME, RecipientDomain.NAME, MessageSize.BELOW, MessageSize.ABOVE);
    /** Nesting bound, so a hostile file cannot exhaust the stack. */
    private static final int MAX_DEPTH = 32;

    private final String text;
    private int position;

    private ConditionParser(String text) {
        this.text = text;
    }

    /** @throws ConditionSyntaxException naming the problem and its column */
    public static Condition parse(String text) {
        ConditionParser parser = new ConditionParser(text);
        Condition condition = parser.condition(0);
        parser.skipSpace();
        if (parser.position < text.length()) {
            throw parser.error("unexpected \"" + text.substring(parser.position) + "\" after the condition");
        }
        return condition;
    }

    private Condition condition(int depth) {
        skipSpace();
        int start = position;
        if (depth > MAX_DEPTH) {
            throw error("conditions nested deeper than " + MAX_DEPTH);
        }
        String name = bareWord("a condition (one of " + String.join(", ", NAMES) + ")");
        switch (name) {
            case AllOf.NAME, AnyOf.NAME -> {
                List<Condition> parts = new ArrayList<>();
                expect('(', name);
                do {
                    parts.add(condition(depth + 1));
                } while (comma());
                expect(')', name);
                return name.equals(AllOf.NAME) ? new AllOf(parts) : new AnyOf(parts);
            }
            case Not.NAME -> {
                expect('(', name);
                Condition part = condition(depth + 1);
                skipSpace();
                if (peek() == ',') {
                    throw error("not() takes one condition (expected: not(c); for several write not(any(...)))");
                }
                expect(')', name);
                return new Not(part);
            }
            case Authenticated.NAME -> {
                skipSpace();
                if (peek() == '(') {
                    position++;
                    expect(')', name + " (it takes no arguments)");
                }
                return new Authenticated();
            }
            case ClientAddressIn.NAME -> {
                List<Argument> blocks = arguments(name);
                blocks.forEach(block -> checked(block.at(), () -> CidrList.parse(List.of(block.text()))));
                return new ClientAddressIn(CidrList.parse(texts(blocks)));
            }
            case HeloMatches.NAME, SenderDomain.NAME, RecipientDomain.NAME -> {
                List<Argument> patterns = arguments(name);
                patterns.forEach(pattern -> checked(pattern.at(), () -> GlobList.parse(List.of(pattern.text()))));
                GlobList globs = GlobList.parse(texts(patterns));
                return switch (name) {
                    case HeloMatches.NAME -> new HeloMatches(globs);
                    case SenderDomain.NAME -> new SenderDomain(globs);
                    default -> new RecipientDomain(globs);
                };
            }
            case MessageSize.BELOW, MessageSize.ABOVE -> {
                int at = position;
                List<Argument> sizes = arguments(name);
                if (sizes.size() != 1) {
                    throw new ConditionSyntaxException(at + 1, name + "() takes one size, got " + sizes.size()
                            + " (expected: e.g. " + name + "(10M))");
                }
                return new MessageSize(name.equals(MessageSize.ABOVE), checked(sizes.get(0).at(), () -> size(sizes.get(0).text())));
            }
            default -> throw new ConditionSyntaxException(start + 1, "unknown condition \"" + name + "\" (expected: one of "
                    + String.join(", ", NAMES) + ")");
        }
    }

    private interface Check<T> {
        T get();
    }

    /** Runs a value check, turning its complaint into an error at column {@code at}. */
    private static <T> T checked(int at, Check<T> check) {
        try {
            return check.get();
        } catch (ConditionSyntaxException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConditionSyntaxException(at + 1, e.getMessage());
        }
    }

    static long size(String text) {
        String digits = text;
        long unit = 1;
        char last = text.isEmpty() ? ' ' : Character.toUpperCase(text.charAt(text.length() - 1));
        if (last == 'K' || last == 'M' || last == 'G') {
            unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            digits = text.substring(0, text.length() - 1);
        }
        if (!digits.matches("[0-9]{1,12}")) {
            throw new IllegalArgumentException("size \"" + text + "\" (expected: a number of bytes, optionally with K, M or G,"
                    + " e.g. 10M)");
        }
        return Long.parseLong(digits) * unit;
    }

    /** One argument as written, and where it starts (0-based). */
    private record Argument(String text, int at) {
    }

    private static List<String> texts(List<Argument> arguments) {
        return arguments.stream().map(Argument::text).toList();
    }

    /** {@code ( arg, ... )}, at least one argument. */
    private List<Argument> arguments(String name) {
        expect('(', name);
        List<Argument> arguments = new ArrayList<>();
        do {
            skipSpace();
            int at = position;
            arguments.add(new Argument(peek() == '"' ? quoted() : bareWord("an argument of " + name + "()"), at));
        } while (comma());
        expect(')', name);
        return arguments;
    }

    private boolean comma() {
        skipSpace();
        if (peek() == ',') {
            position++;
            return true;
        }
        return false;
    }

    private void expect(char wanted, String after) {
        skipSpace();
        if (peek() != wanted) {
            throw error((position < text.length() ? "found \"" + text.charAt(position) + "\"" : "the condition ends")
                    + " where " + after + " needs \"" + wanted + "\"");
        }
        position++;
    }

    private String bareWord(String what) {
        int start = position;
        while (position < text.length() && isWordChar(text.charAt(position))) {
            position++;
        }
        if (start == position) {
            throw error("expected " + what + ", found " + (position < text.length() ? "\"" + text.charAt(position) + "\""
                    : "the end"));
        }
        return text.substring(start, position);
    }

    private String quoted() {
        int start = position;
        position++;
        StringBuilder value = new StringBuilder();
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\' && position < text.length()) {
                c = text.charAt(position++);
            }
            value.append(c);
        }
        throw new ConditionSyntaxException(start + 1, "string not closed (expected: a closing \")");
    }

    private static boolean isWordChar(char c) {
        return !Character.isWhitespace(c) && c != '(' && c != ')' && c != ',' && c != '"' && c != '\\';
    }

    private char peek() {
        return position < text.length() ? text.charAt(position) : '\0';
    }

    private void skipSpace() {
        while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
    }

    private ConditionSyntaxException error(String problem) {
        return new ConditionSyntaxException(position + 1, problem);
    }
}
