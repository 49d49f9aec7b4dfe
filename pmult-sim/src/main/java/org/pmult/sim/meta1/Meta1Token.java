package org.pmult.sim.meta1;

/** One lexical token of meta1.conf, with the line it starts on. */
record Meta1Token(Kind kind, String text, int line) {

    /** Token classes. */
    enum Kind {
        /** An unquoted word: a name or a bare value such as {@code 127.0.0.1}, {@code /run/x.sock}, {@code 5m}. */
        WORD,
        /** A double-quoted string, escapes resolved, adjacent strings concatenated. */
        STRING,
        OPEN_BRACE,
        CLOSE_BRACE,
        EQUALS,
        SEMICOLON,
        COMMA,
        END
    }

    /** How the token reads in an error message. */
    String describe() {
        return switch (kind) {
            case WORD -> "\"" + text + "\"";
            case STRING -> "string \"" + text + "\"";
            case OPEN_BRACE -> "'{'";
            case CLOSE_BRACE -> "'}'";
            case EQUALS -> "'='";
            case SEMICOLON -> "';'";
            case COMMA -> "','";
            case END -> "end of file";
        };
    }
}
