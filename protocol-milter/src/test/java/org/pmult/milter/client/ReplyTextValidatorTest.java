package org.pmult.milter.client;

import org.junit.jupiter.api.Test;
import org.pmult.milter.client.ReplyTextValidator.Invalid;
import org.pmult.milter.client.ReplyTextValidator.Rule;
import org.pmult.milter.client.ReplyTextValidator.Valid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** SMFIR_REPLYCODE texts as Postfix 3.12 takes them: one test per rule, and the texts that pass. */
class ReplyTextValidatorTest {

    @Test
    void takesAOneLineReplyWithAnEnhancedCodeOfItsClass() {
        assertValid("550 5.7.1 Sender blocked", "550 5.7.1 Sender blocked");
        assertValid("451 4.7.1 Greylisted, try again", "451 4.7.1 Greylisted, try again");
        assertValid("550", "550");
        assertValid("421 4.3.2 Shutting down", "421 4.3.2 Shutting down");
    }

    @Test
    void takesAMultiLineReplyAsLibmilterBuildsIt() {
        assertValid("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 last",
                "550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 last");
    }

    @Test
    void turnsADoublePercentIntoOne() {
        assertValid("550 5.7.1 100%% spam", "550 5.7.1 100% spam");
    }

    @Test
    void codeRuleRefusesAReplyThatIsNoTempfailOrReject() {
        assertInvalid(Rule.CODE, "250 2.0.0 Ok");
        assertInvalid(Rule.CODE, "354 go ahead");
        assertInvalid(Rule.CODE, "5x0 nope");
        assertInvalid(Rule.CODE, "55");
    }

    @Test
    void linePrefixRuleRefusesALineWithAnotherCodeOrSeparator() {
        assertInvalid(Rule.LINE_PREFIX, "550-5.7.1 first\r\n451 4.7.1 second");
        assertInvalid(Rule.LINE_PREFIX, "550 5.7.1 first\r\n550 5.7.1 second"); // a space before more lines
        assertInvalid(Rule.LINE_PREFIX, "550-5.7.1 first\r\n550-5.7.1 last"); // "-" on the last line
        assertInvalid(Rule.LINE_PREFIX, "550Sender blocked");
        assertInvalid(Rule.LINE_PREFIX, "550-5.7.1 first\r\n220 smtp.example ESMTP");
    }

    @Test
    void lineBreaksRuleRefusesBareLineFeedsCarriageReturnsAndEmptyLines() {
        assertInvalid(Rule.LINE_BREAKS, "550 5.7.1 blocked\n250 2.0.0 Ok");
        assertInvalid(Rule.LINE_BREAKS, "550 5.7.1 blocked\r250 2.0.0 Ok");
        assertInvalid(Rule.LINE_BREAKS, "550 5.7.1 blocked\r\n");
        assertInvalid(Rule.LINE_BREAKS, "550-5.7.1 a\r\n\r\n550 5.7.1 b");
    }

    @Test
    void nulRuleRefusesANulByte() {
        assertInvalid(Rule.NUL, "550 5.7.1 blocked" + '\0' + "250 ok");
    }

    @Test
    void enhancedCodeRuleRefusesAClassOtherThanTheReplyCodes() {
        assertInvalid(Rule.ENHANCED_CODE_CLASS, "550 4.7.1 Try again later");
        assertInvalid(Rule.ENHANCED_CODE_CLASS, "451 2.0.0 Ok");
        assertInvalid(Rule.ENHANCED_CODE_CLASS, "550-5.7.1 first\r\n550 2.0.0 last");
    }

    @Test
    void percentRuleRefusesALonePercentSign() {
        assertInvalid(Rule.PERCENT, "550 5.7.1 100% spam");
        assertInvalid(Rule.PERCENT, "550 5.7.1 ends with %");
    }

    private static void assertValid(String text, String sent) {
        assertEquals(new Valid(sent), ReplyTextValidator.check(text));
    }

    private static void assertInvalid(Rule rule, String text) {
        Invalid invalid = assertInstanceOf(Invalid.class, ReplyTextValidator.check(text), text);
        assertEquals(rule, invalid.rule(), () -> text + ": " + invalid.detail());
    }
}
