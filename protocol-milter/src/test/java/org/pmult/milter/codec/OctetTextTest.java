package org.pmult.milter.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class OctetTextTest {

    /** The octet string a header arrives as: one char per byte. */
    private static String octets(byte[] bytes) {
        return new String(bytes, CStrings.OCTETS);
    }

    @Test
    void plainAsciiIsShownAsItIs() {
        String header = "<20261202.abc@example.com>";
        assertSame(header, OctetText.readable(header));
        assertNull(OctetText.readable(null));
    }

    @Test
    void validUtf8IsShownAsTheCharactersItEncodesNotAsLatin1Mojibake() {
        String subject = octets("Caf\u00e9 cr\u00e8me \u2013 \u65e5\u672c".getBytes(StandardCharsets.UTF_8));
        assertEquals("Caf\u00c3\u00a9 cr\u00c3\u00a8me \u00e2\u0080\u0093 \u00e6\u0097\u00a5\u00e6\u009c\u00ac", subject,
                "what a log line showed before: each byte as a Latin-1 character");
        assertEquals("Caf\u00e9 cr\u00e8me \u2013 \u65e5\u672c", OctetText.readable(subject));
    }

    @Test
    void bytesThatAreNotUtf8AreShownAsHexEscapes() {
        String latin1 = octets("Caf\u00e9 \u00ff\u00fe".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("Caf\\xe9 \\xff\\xfe", OctetText.readable(latin1));
        // one broken sequence makes the whole value shown byte by byte, valid UTF-8 parts included
        String mixed = octets(new byte[] {'a', (byte) 0xC3, (byte) 0xA9, ' ', (byte) 0xC3, 'b'});
        assertEquals("a\\xc3\\xa9 \\xc3b", OctetText.readable(mixed));
    }

    @Test
    void escapesCannotBeMistakenForBytesAndControlsCannotBreakTheLine() {
        assertEquals("C:\\\\xe9 is text", OctetText.readable("C:\\xe9 is text"));
        assertEquals("first\\r\\n\\tsecond\\x00\\x7f", OctetText.readable("first\r\n\tsecond\u0000\u007f"));
        String c1 = octets("x\u0085y\u00e9".getBytes(StandardCharsets.UTF_8));
        assertEquals("x\\u0085y\u00e9", OctetText.readable(c1));
    }

    @Test
    void leavesTheOctetStringItselfUnchanged() {
        String value = octets(new byte[] {(byte) 0xE9, '\n'});
        OctetText.readable(value);
        assertEquals(2, value.length());
        assertEquals(0xE9, value.charAt(0));
    }
}
