package org.pmult.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.server.config.ConfStatement.Value;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MailutilsConfParserTest {

    private final List<ConfigNote> notes = new ArrayList<>();

    private List<ConfStatement> parse(String text) {
        return MailutilsConfParser.parse(text, "t.conf", notes);
    }

    private static List<String> texts(ConfStatement statement) {
        return statement.values().stream().map(value -> ((Value.Scalar) value).text()).toList();
    }

    @Test
    void readsSimpleStatementsWithLineNumbers() {
        List<ConfStatement> statements = parse("listen inet://127.0.0.1:3333;\n\npidfile /run/pmult.pid;\n");

        assertEquals(2, statements.size());
        assertEquals("listen", statements.get(0).keyword());
        assertEquals(List.of("inet://127.0.0.1:3333"), texts(statements.get(0)));
        assertEquals(new ConfigLocation("t.conf", 1), statements.get(0).location());
        assertEquals(3, statements.get(1).location().line());
        assertTrue(statements.get(0).block().isEmpty());
    }

    @Test
    void skipsAllThreeCommentStylesButNotSlashesInsideWords() {
        List<ConfStatement> statements = parse("""
                # hash comment
                // slash comment
                /* block
                   comment; listen nothing; */ listen unix:///run/p.sock; # trailing
                debug /* inline */ 1;
                """);

        assertEquals(2, statements.size());
        assertEquals(List.of("unix:///run/p.sock"), texts(statements.get(0)));
        assertEquals(4, statements.get(0).location().line());
        assertEquals(List.of("1"), texts(statements.get(1)));
    }

    @Test
    void readsMultiWordValues() {
        ConfStatement statement = parse("write-timeout 30 seconds;").get(0);
        assertEquals(List.of("30", "seconds"), texts(statement));
    }

    @Test
    void readsQuotedStringsWithEscapesAndJoinsAdjacentOnes() {
        ConfStatement statement = parse("log-level \"a\\tb\\\\c\\\"d\\n\" \"e\"\n  \"f\\\n g\";").get(0);

        Value.Scalar value = assertInstanceOf(Value.Scalar.class, statement.values().get(0));
        assertEquals("a\tb\\c\"d\nef g", value.text());
        assertTrue(value.quoted());
        assertEquals(1, statement.values().size());
        assertTrue(notes.isEmpty());
    }

    @Test
    void warnsAboutUnknownEscapesAndDropsTheBackslash() {
        ConfStatement statement = parse("x \"a\\qb\";").get(0);
        assertEquals(List.of("aqb"), texts(statement));
        assertEquals(List.of("t.conf:1: unknown escape sequence \"\\q\"; backslash ignored"),
                notes.stream().map(ConfigNote::text).toList());
    }

    @Test
    void readsListsAndNestedBlocks() {
        List<ConfStatement> statements = parse("""
                define-macros (mail, rcpt) (auth_type, "tls_vrfy");
                empty ();
                program pmult {
                  client mfd {
                    url /run/m.sock;
                  };
                }
                after 1;
                """);

        ConfStatement define = statements.get(0);
        Value.ListValue handlers = assertInstanceOf(Value.ListValue.class, define.values().get(0));
        assertEquals(2, handlers.items().size());
        assertEquals("(auth_type, \"tls_vrfy\")", define.values().get(1).toString());
        assertEquals(0, ((Value.ListValue) statements.get(1).values().get(0)).items().size());

        ConfStatement program = statements.get(2);
        ConfStatement client = program.block().orElseThrow().get(0);
        assertEquals("client", client.keyword());
        assertEquals(List.of("mfd"), texts(client));
        assertEquals(5, client.block().orElseThrow().get(0).location().line());
        assertEquals("after", statements.get(3).keyword());
    }

    @Test
    void readsHereDocuments() {
        List<ConfStatement> statements = parse("text <<EOT\nline one\\tx\n  line two\nEOT\n;\n"
                + "raw <<\\END\na\\tb\nEND;\n"
                + "indented <<-EOT\n\t\tkept  \n\tEOT\n;\n"
                + "blanks <<- EOT\n     all\nEOT\n;\n"
                + "next 1;\n");

        assertEquals(List.of("line one\tx\n  line two\n"), texts(statements.get(0)));
        assertEquals(List.of("a\\tb\n"), texts(statements.get(1)));
        assertEquals(List.of("kept  \n"), texts(statements.get(2)));
        assertEquals(List.of("all\n"), texts(statements.get(3)));
        assertEquals("next", statements.get(4).keyword());
        assertEquals(17, statements.get(4).location().line());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            `listen inet://x:1`                  | t.conf:1: missing ";" after statement "listen" at end of file
            `client a {\\n url /x;\\n`           | t.conf:3: missing "}" for the block opened at line 1
            `client a { url /x }`                | t.conf:1: missing ";" after statement "url" (line 1) before "}"
            `}`                                   | t.conf:1: unexpected "}" (no block is open)
            `\\n"quoted" 1;`                      | t.conf:2: expected a statement name but found "quoted"
            `x (a b);`                           | t.conf:1: expected "," or ")" in the list opened at line 1 but found "b"
            `x (a, );`                           | t.conf:1: expected a list element but found ")"
            `x "abc;\\n`                          | t.conf:1: unterminated string (missing closing ")
            `x 1;\\n/* open`                      | t.conf:2: unterminated comment ("/*" without "*/")
            `x <<EOT\\nbody\\n`                   | t.conf:1: here-document not terminated by a line "EOT"
            `x ) ;`                               | t.conf:1: unexpected ")" in statement "x"
            """)
    void reportsSyntaxErrorsWithFileAndLine(String text, String message) {
        ConfigException error = assertThrows(ConfigException.class, () -> parse(text.replace("\\n", "\n")));
        assertEquals(message, error.getMessage());
    }

    @Test
    void allowsSemicolonAfterClosingBraceAndStraySemicolons() {
        List<ConfStatement> statements = parse("a { b 1; };;\nc 2;");
        assertEquals(List.of("a", "c"), statements.stream().map(ConfStatement::keyword).toList());
    }
}
