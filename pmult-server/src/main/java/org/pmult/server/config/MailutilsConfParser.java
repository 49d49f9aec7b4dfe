package org.pmult.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the Mailutils configuration syntax GNU pmult and mailfromd use into a statement tree,
 * following the GNU Mailutils manual ("Configuration File Syntax"): comments {@code #},
 * {@code //} and {@code /* *}{@code /}; simple statements {@code keyword value...;}; block
 * statements {@code keyword [value] { ... }} with an optional {@code ;} after the brace; values
 * are unquoted words, double-quoted strings with backslash escapes (adjacent strings are joined),
 * here-documents ({@code <<EOT}, {@code <<-EOT}, {@code <<\EOT}) and lists {@code (a, b)}.
 * Includes are not expanded here; see {@link GnuConfigReader}.
 */
final class MailutilsConfParser {

    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
    /** Characters that end an unquoted word. */
    private static final String DELIMITERS = "\"(){},;";

    private enum Kind { WORD, STRING, LPAREN, RPAREN, COMMA, LBRACE, RBRACE, SEMI, EOF }

    private record Token(Kind kind, String text, int line) {
        String shown() {
            return kind == Kind.EOF ? "end of file" : "\"" + text + "\"";
        }
    }

    private final String text;
    private final String file;
    private final List<ConfigNote> notes;
    private int pos;
    private int line = 1;
    private Token lookahead;

    private MailutilsConfParser(String text, String file, List<ConfigNote> notes) {
        this.text = text;
        this.file = file;
        this.notes = notes;
    }

    /**
     * Parses a whole file.
     *
     * @param text  the file's content
     * @param file  the name used in locations and messages
     * @param notes receives warnings (unknown escape sequences)
     * @throws ConfigException on a syntax error, located by file and line
     */
    static List<ConfStatement> parse(String text, String file, List<ConfigNote> notes) {
        return new MailutilsConfParser(text, file, notes).statements(null);
    }

    private List<ConfStatement> statements(ConfigLocation openedAt) {
        List<ConfStatement> statements = new ArrayList<>();
        while (true) {
            Token token = peek();
            if (token.kind == Kind.EOF) {
                if (openedAt != null) {
                    throw error(token.line, "missing \"}\" for the block opened at line " + openedAt.line());
                }
                return statements;
            }
            if (token.kind == Kind.RBRACE) {
                if (openedAt == null) {
                    throw error(token.line, "unexpected \"}\" (no block is open)");
                }
                return statements;
            }
            if (token.kind == Kind.SEMI) {
                next();
                continue;
            }
            statements.add(statement());
        }
    }

    private ConfStatement statement() {
        Token keyword = next();
        if (keyword.kind != Kind.WORD || !KEYWORD.matcher(keyword.text).matches()) {
            throw error(keyword.line, "expected a statement name but found " + keyword.shown());
        }
        ConfigLocation location = new ConfigLocation(file, keyword.line);
        List<ConfStatement.Value> values = new ArrayList<>();
        while (true) {
            Token token = peek();
            switch (token.kind) {
                case WORD, STRING, LPAREN -> values.add(value());
                case SEMI -> {
                    next();
                    return new ConfStatement(keyword.text, values, Optional.empty(), location);
                }
                case LBRACE -> {
                    next();
                    List<ConfStatement> block = statements(location);
                    next();
                    if (peek().kind == Kind.SEMI) {
                        next();
                    }
                    return new ConfStatement(keyword.text, values, Optional.of(block), location);
                }
                case EOF -> throw error(token.line, "missing \";\" after statement \"" + keyword.text + "\" at end of file");
                case RBRACE -> throw error(token.line, "missing \";\" after statement \"" + keyword.text + "\" (line "
                        + keyword.line + ") before \"}\"");
                default -> throw error(token.line, "unexpected " + token.shown() + " in statement \"" + keyword.text + "\"");
            }
        }
    }

    private ConfStatement.Value value() {
        Token token = next();
        ConfigLocation location = new ConfigLocation(file, token.line);
        if (token.kind == Kind.WORD || token.kind == Kind.STRING) {
            return new ConfStatement.Value.Scalar(token.text, token.kind == Kind.STRING, location);
        }
        List<ConfStatement.Value> items = new ArrayList<>();
        if (peek().kind == Kind.RPAREN) {
            next();
            return new ConfStatement.Value.ListValue(items, location);
        }
        while (true) {
            Token item = peek();
            if (item.kind != Kind.WORD && item.kind != Kind.STRING && item.kind != Kind.LPAREN) {
                throw error(item.line, "expected a list element but found " + item.shown());
            }
            items.add(value());
            Token separator = next();
            if (separator.kind == Kind.RPAREN) {
                return new ConfStatement.Value.ListValue(items, location);
            }
            if (separator.kind != Kind.COMMA) {
                throw error(separator.line, "expected \",\" or \")\" in the list opened at line " + token.line
                        + " but found " + separator.shown());
            }
        }
    }

    private Token peek() {
        if (lookahead == null) {
            lookahead = scan();
        }
        return lookahead;
    }

    private Token next() {
        Token token = peek();
        lookahead = null;
        return token;
    }

    private Token scan() {
        skipBlanksAndComments();
        if (pos >= text.length()) {
            return new Token(Kind.EOF, "", line);
        }
        char c = text.charAt(pos);
        int startLine = line;
        switch (c) {
            case '(' -> {
                pos++;
                return new Token(Kind.LPAREN, "(", startLine);
            }
            case ')' -> {
                pos++;
                return new Token(Kind.RPAREN, ")", startLine);
            }
            case '{' -> {
                pos++;
                return new Token(Kind.LBRACE, "{", startLine);
            }
            case '}' -> {
                pos++;
                return new Token(Kind.RBRACE, "}", startLine);
            }
            case ',' -> {
                pos++;
                return new Token(Kind.COMMA, ",", startLine);
            }
            case ';' -> {
                pos++;
                return new Token(Kind.SEMI, ";", startLine);
            }
            case '"' -> {
                StringBuilder joined = new StringBuilder(quoted());
                while (true) {
                    int savedPos = pos;
                    int savedLine = line;
                    skipBlanksAndComments();
                    if (pos < text.length() && text.charAt(pos) == '"') {
                        joined.append(quoted());
                    } else {
                        pos = savedPos;
                        line = savedLine;
                        return new Token(Kind.STRING, joined.toString(), startLine);
                    }
                }
            }
            default -> {
                if (text.startsWith("<<", pos)) {
                    return new Token(Kind.STRING, hereDocument(), startLine);
                }
                int start = pos;
                while (pos < text.length() && !Character.isWhitespace(text.charAt(pos)) && DELIMITERS.indexOf(text.charAt(pos)) < 0) {
                    pos++;
                }
                return new Token(Kind.WORD, text.substring(start, pos), startLine);
            }
        }
    }

    /** Comments start only where a token could start, so {@code inet://host} is one word. */
    private void skipBlanksAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '#' || text.startsWith("//", pos)) {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (text.startsWith("/*", pos)) {
                int openedLine = line;
                int end = text.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw error(openedLine, "unterminated comment (\"/*\" without \"*/\")");
                }
                countLines(pos, end + 2);
                pos = end + 2;
            } else {
                return;
            }
        }
    }

    /** A double-quoted string at {@code pos}, escapes processed. */
    private String quoted() {
        int openedLine = line;
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error(openedLine, "unterminated string (missing closing \")");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c == '\n') {
                line++;
                out.append(c);
            } else if (c == '\\' && pos < text.length()) {
                escape(text.charAt(pos++), out);
            } else {
                out.append(c);
            }
        }
    }

    private void escape(char c, StringBuilder out) {
        switch (c) {
            case 'a' -> out.append('\u0007');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'v' -> out.append('\u000b');
            case '\\' -> out.append('\\');
            case '"' -> out.append('"');
            case '\n' -> line++;
            default -> {
                notes.add(ConfigNote.warning(file + ":" + line + ": unknown escape sequence \"\\" + c + "\"; backslash ignored"));
                out.append(c);
            }
        }
    }

    /**
     * {@code <<WORD} up to a line holding only WORD (or WORD followed by {@code ;} as the statement's
     * end). {@code <<-WORD} strips leading tabs, {@code <<- WORD} all leading blanks;
     * {@code <<\WORD} and {@code <<"WORD"} take the text literally.
     */
    private String hereDocument() {
        int openedLine = line;
        pos += 2;
        boolean stripTabs = false;
        boolean stripBlanks = false;
        if (pos < text.length() && text.charAt(pos) == '-') {
            pos++;
            stripTabs = true;
            if (pos < text.length() && text.charAt(pos) == ' ') {
                pos++;
                stripBlanks = true;
            }
        }
        boolean literal = false;
        int eol = text.indexOf('\n', pos);
        if (eol < 0) {
            throw error(openedLine, "here-document without body");
        }
        String word = text.substring(pos, eol).strip();
        if (word.startsWith("\\")) {
            literal = true;
            word = word.substring(1);
        } else if (word.length() >= 2 && word.startsWith("\"") && word.endsWith("\"")) {
            literal = true;
            word = word.substring(1, word.length() - 1);
        }
        if (word.isEmpty()) {
            throw error(openedLine, "here-document without terminator word after \"<<\"");
        }
        pos = eol + 1;
        line++;
        StringBuilder body = new StringBuilder();
        while (pos <= text.length()) {
            int end = text.indexOf('\n', pos);
            String rawLine = text.substring(pos, end < 0 ? text.length() : end);
            String content = stripBlanks ? rawLine.stripLeading() : stripTabs ? rawLine.replaceFirst("^\t+", "") : rawLine;
            String trimmed = content.stripTrailing();
            if (trimmed.equals(word) || trimmed.equals(word + ";")) {
                pos += rawLine.indexOf(word) + word.length();
                return literal ? body.toString() : unescape(body.toString());
            }
            if (end < 0) {
                break;
            }
            body.append(content).append('\n');
            pos = end + 1;
            line++;
        }
        throw error(openedLine, "here-document not terminated by a line \"" + word + "\"");
    }

    private String unescape(String raw) {
        int savedLine = line;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
                escape(raw.charAt(++i), out);
            } else {
                out.append(c);
            }
        }
        line = savedLine;
        return out.toString();
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
    }

    private ConfigException error(int atLine, String problem) {
        return new ConfigException(file + ":" + atLine, problem);
    }
}
