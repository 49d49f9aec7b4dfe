package org.pmult.sim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageTextTest {

    private static String crlf(String text) {
        return new String(MessageText.toCrlf(text.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    @Test
    void turnsBareLineFeedsIntoCrlfAndEndsWithCrlf() {
        assertEquals("a\r\nb\r\n", crlf("a\nb"));
        assertEquals("a\r\nb\r\n", crlf("a\r\nb\r\n"));
        assertEquals("\r\n\r\nx\r\n", crlf("\n\nx\n"));
        assertEquals("", crlf(""));
        assertEquals("a\r\r\n", crlf("a\r"));
    }
}
