package org.pmult.server.condition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The condition expression: what it reads, how it writes it back, and what it says about mistakes. */
class ConditionParserTest {

    @Test
    void readsANestedConditionAndWritesItBackCanonically() {
        Condition condition = ConditionParser.parse("  all( client-address(10.0.0.0/8,2001:db8::/32) ,\n"
                + " not(authenticated), any(helo(\"*.example.com\"), sender-domain(example.org)),"
                + " recipient-domain(example.net), size-below(10M), size-above(1k) )");
        assertEquals("all(client-address(10.0.0.0/8, 2001:db8::/32), not(authenticated), any(helo(*.example.com),"
                + " sender-domain(example.org)), recipient-domain(example.net), size-below(10485760), size-above(1024))",
                condition.text());
        assertEquals(condition.text(), ConditionParser.parse(condition.text()).text(), "the canonical text reads back");
        assertInstanceOf(AllOf.class, condition);
        assertEquals(ConditionStage.CONNECT, condition.earliest());
        assertEquals(ConditionStage.EOM, condition.latest());
    }

    @Test
    void authenticatedTakesOptionalEmptyParenthesesAndQuotedArgumentsKeepSpecialCharacters() {
        assertEquals("authenticated", ConditionParser.parse("authenticated()").text());
        assertEquals("helo(\"a b\", \"x\\\"y\")", ConditionParser.parse("helo(\"a b\", \"x\\\"y\")").text());
        assertEquals(ConditionParser.parse("not(authenticated)"), new Not(new Authenticated()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "hello(x) | column 1: unknown condition \"hello\" (expected: one of all, any, not, client-address",
        "client-address(10.0.0.0/8, mx.example) | column 28: \"mx.example\" is not an IPv4 or IPv6 address block",
        "client-address(192.0.2.0/40) | column 16: \"192.0.2.0/40\": prefix length \"40\" (expected: 0..32",
        "size-below(lots) | column 12: size \"lots\" (expected: a number of bytes, optionally with K, M or G",
        "size-below(1, 2) | column 11: size-below() takes one size, got 2",
        "not(authenticated, helo(x)) | column 18: not() takes one condition",
        "all() | column 5: expected a condition",
        "all(authenticated | column 18: the condition ends where all needs \")\"",
        "helo | column 5: the condition ends where helo needs \"(\"",
        "authenticated x | column 15: unexpected \"x\" after the condition",
        "helo(\"open | column 6: string not closed",
        "authenticated(x) | column 15: found \"x\" where authenticated (it takes no arguments) needs \")\"",
    })
    void mistakesAreNamedWithTheirColumn(String text, String expected) {
        ConditionSyntaxException error = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse(text));
        assertTrue(error.getMessage().startsWith(expected), error.getMessage());
    }

    @Test
    void nestingIsBounded() {
        String deep = "not(".repeat(40) + "authenticated" + ")".repeat(40);
        ConditionSyntaxException error = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse(deep));
        assertTrue(error.getMessage().contains("nested deeper than 32"), error.getMessage());
    }

    @Test
    void everyNameIsListedInTheUnknownConditionError() {
        ConditionSyntaxException error = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("x"));
        for (String name : List.of("all", "any", "not", "client-address", "authenticated", "helo", "sender-domain",
                "recipient-domain", "size-below", "size-above")) {
            assertTrue(error.getMessage().contains(name), name);
        }
    }
}
