package org.pmult.sim.meta1;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits meta1.conf into tokens: words, quoted strings (with {@code \"}, {@code \\}, {@code \n},
 * {@code \t} escapes; adjacent strings are joined), braces, {@code =}, {@code ;} and {@code ,}. A
 * {@code #} outside a string starts a comment that runs to the end of the line.
 */
final class Meta1Lexer {

    private static final String PUNCTUATION = "{}=;,\"#";

    private final String source;
    private final String text;
    private int pos;
    private int line = 1;

    private Meta1Lexer(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /** @param source file name for error messages */
    static List<Meta1Token> tokenize(String source, String text) throws Meta1ConfigException {
        return new Meta1Lexer(source, text).run();
    }

    private List<Meta1Token> run() throws Meta1ConfigException {
        List<Meta1Token> tokens = new ArrayList<>();
        while (true) {
            skipBlanksAndComments();
            if (pos >= text.length()) {
                tokens.add(new Meta1Token(Meta1Token.Kind.END, "", line));
                return tokens;
            }
            char c = text.charAt(pos);
            Meta1Token.Kind punctuation = switch (c) {
                case '{' -> Meta1Token.Kind.OPEN_BRACE;
                case '}' -> Meta1Token.Kind.CLOSE_BRACE;
                case '=' -> Meta1Token.Kind.EQUALS;
                case ';' -> Meta1Token.Kind.SEMICOLON;
                case ',' -> Meta1Token.Kind.COMMA;
                default -> null;
            };
            if (punctuation != null) {
                tokens.add(new Meta1Token(punctuation, String.valueOf(c), line));
                pos++;
            } else if (c == '"') {
                int startLine = line;
                StringBuilder value = new StringBuilder(quoted());
                while (true) {
                    int save = pos;
                    int saveLine = line;
                    skipBlanksAndComments();
                    if (pos < text.length() && text.charAt(pos) == '"') {
                        value.append(quoted());
                    } else {
                        pos = save;
                        line = saveLine;
                        break;
                    }
                }
                tokens.add(new Meta1Token(Meta1Token.Kind.STRING, value.toString(), startLine));
            } else {
                int start = pos;
                while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))
                        && PUNCTUATION.indexOf(text.charAt(pos)) < 0) {
                    pos++;
                }
                tokens.add(new Meta1Token(Meta1Token.Kind.WORD, text.substring(start, pos), line));
            }
        }
    }

    private void skipBlanksAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private String quoted() throws Meta1ConfigException {
        int startLine = line;
        pos++;
        StringBuilder out = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c == '\n') {
                throw new Meta1ConfigException(source + ":" + startLine + ": string not closed on its line (expected: '\"')");
            }
            if (c == '\\' && pos < text.length()) {
                char escaped = text.charAt(pos++);
                out.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> escaped;
                });
            } else {
                out.append(c);
            }
        }
        throw new Meta1ConfigException(source + ":" + startLine + ": string not closed before end of file (expected: '\"')");
    }
}
