package org.pmult.sim.meta1;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses meta1.conf tokens into a {@link Meta1Tree}. Grammar:
 * <pre>
 * entries := entry*
 * entry   := NAME '=' value ';'
 *          | NAME [LABEL] '{' entries '}' [';']
 * value   := WORD | STRING | '{' [scalar (',' scalar)* [',']] '}' | '{' entries '}'
 * </pre>
 * A braced value after {@code =} is a section when it starts with {@code NAME =} or {@code NAME {},
 * else a list.
 */
final class Meta1Syntax {

    private final String source;
    private final List<Meta1Token> tokens;
    private int next;

    private Meta1Syntax(String source, List<Meta1Token> tokens) {
        this.source = source;
        this.tokens = tokens;
    }

    static List<Meta1Tree.Entry> parse(String source, String text) throws Meta1ConfigException {
        Meta1Syntax syntax = new Meta1Syntax(source, Meta1Lexer.tokenize(source, text));
        List<Meta1Tree.Entry> entries = syntax.entries();
        Meta1Token end = syntax.peek();
        if (end.kind() != Meta1Token.Kind.END) {
            throw syntax.error(end, "unexpected " + end.describe() + " (expected: a statement name)");
        }
        return entries;
    }

    private List<Meta1Tree.Entry> entries() throws Meta1ConfigException {
        List<Meta1Tree.Entry> entries = new ArrayList<>();
        while (peek().kind() == Meta1Token.Kind.WORD) {
            entries.add(entry());
        }
        return entries;
    }

    private Meta1Tree.Entry entry() throws Meta1ConfigException {
        Meta1Token name = take();
        Meta1Token after = peek();
        switch (after.kind()) {
            case EQUALS -> {
                take();
                Meta1Tree.Value value = value();
                if (value instanceof Meta1Tree.Section) {
                    skipOptional(Meta1Token.Kind.SEMICOLON);
                } else {
                    expect(Meta1Token.Kind.SEMICOLON, "';' after the value of \"" + name.text() + "\"");
                }
                return new Meta1Tree.Entry(name.text(), null, value, name.line());
            }
            case OPEN_BRACE -> {
                return new Meta1Tree.Entry(name.text(), null, section(), name.line());
            }
            case WORD, STRING -> {
                Meta1Token label = take();
                if (peek().kind() != Meta1Token.Kind.OPEN_BRACE) {
                    throw error(peek(), "unexpected " + peek().describe() + " after \"" + name.text() + " "
                            + label.text() + "\" (expected: '{')");
                }
                return new Meta1Tree.Entry(name.text(), label.text(), section(), name.line());
            }
            default -> throw error(after, "unexpected " + after.describe() + " after \"" + name.text()
                    + "\" (expected: '=' or '{')");
        }
    }

    private Meta1Tree.Section section() throws Meta1ConfigException {
        Meta1Token open = take();
        List<Meta1Tree.Entry> entries = entries();
        expect(Meta1Token.Kind.CLOSE_BRACE, "'}' closing the section opened on line " + open.line());
        skipOptional(Meta1Token.Kind.SEMICOLON);
        return new Meta1Tree.Section(entries, open.line());
    }

    private Meta1Tree.Value value() throws Meta1ConfigException {
        Meta1Token first = peek();
        if (first.kind() == Meta1Token.Kind.WORD || first.kind() == Meta1Token.Kind.STRING) {
            take();
            return new Meta1Tree.Scalar(first.text(), first.line());
        }
        if (first.kind() != Meta1Token.Kind.OPEN_BRACE) {
            throw error(first, "unexpected " + first.describe() + " (expected: a value)");
        }
        Meta1Token inside = tokens.get(next + 1);
        Meta1Token.Kind afterInside = tokens.get(Math.min(next + 2, tokens.size() - 1)).kind();
        if (inside.kind() == Meta1Token.Kind.WORD
                && (afterInside == Meta1Token.Kind.EQUALS || afterInside == Meta1Token.Kind.OPEN_BRACE)) {
            Meta1Token open = take();
            List<Meta1Tree.Entry> entries = entries();
            expect(Meta1Token.Kind.CLOSE_BRACE, "'}' closing the section opened on line " + open.line());
            return new Meta1Tree.Section(entries, open.line());
        }
        return list();
    }

    private Meta1Tree.ListValue list() throws Meta1ConfigException {
        Meta1Token open = take();
        List<Meta1Tree.Scalar> items = new ArrayList<>();
        while (true) {
            Meta1Token token = take();
            switch (token.kind()) {
                case CLOSE_BRACE -> {
                    return new Meta1Tree.ListValue(items, open.line());
                }
                case WORD, STRING -> {
                    items.add(new Meta1Tree.Scalar(token.text(), token.line()));
                    Meta1Token separator = peek();
                    if (separator.kind() == Meta1Token.Kind.COMMA) {
                        take();
                    } else if (separator.kind() != Meta1Token.Kind.CLOSE_BRACE) {
                        throw error(separator, "unexpected " + separator.describe()
                                + " in the list opened on line " + open.line() + " (expected: ',' or '}')");
                    }
                }
                default -> throw error(token, "unexpected " + token.describe() + " in the list opened on line "
                        + open.line() + " (expected: a value or '}')");
            }
        }
    }

    private Meta1Token peek() {
        return tokens.get(next);
    }

    private Meta1Token take() {
        Meta1Token token = tokens.get(next);
        if (token.kind() != Meta1Token.Kind.END) {
            next++;
        }
        return token;
    }

    private void expect(Meta1Token.Kind kind, String what) throws Meta1ConfigException {
        Meta1Token token = peek();
        if (token.kind() != kind) {
            throw error(token, "unexpected " + token.describe() + " (expected: " + what + ")");
        }
        take();
    }

    private void skipOptional(Meta1Token.Kind kind) {
        if (peek().kind() == kind) {
            take();
        }
    }

    private Meta1ConfigException error(Meta1Token at, String message) {
        return new Meta1ConfigException(source + ":" + at.line() + ": " + message);
    }
}
