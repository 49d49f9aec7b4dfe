package org.pmult.milter.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How an octet string (a header, a reply text, an address: one char per byte, see {@link CStrings})
 * is shown in a log line, readably and unambiguously: bytes that form valid UTF-8 are shown as the
 * characters they encode; otherwise every byte above 0x7F is shown as {@code \xNN}. Control
 * characters are escaped ({@code \r}, {@code \n}, {@code \t}, else {@code \xNN} or {@code \u0085})
 * and a backslash is doubled, so a log line stays one line and {@code \xE9} in it always means the
 * byte 0xE9, never the four characters. For logs only: what is sent anywhere keeps the bytes.
 */
public final class OctetText {

    private OctetText() {
    }

    /** {@code octets} for a log line; null stays null. Plain printable ASCII is returned as it is. */
    public static String readable(String octets) {
        if (octets == null || isPlain(octets)) {
            return octets;
        }
        String text = isOctets(octets) ? utf8OrNull(octets) : octets;
        StringBuilder out = new StringBuilder(octets.length() + 16);
        if (text == null) {
            for (int i = 0; i < octets.length(); i++) {
                char c = octets.charAt(i);
                if (c >= 0x80) {
                    hex(out, c);
                } else {
                    appendEscaped(out, c);
                }
            }
        } else {
            text.codePoints().forEach(codePoint -> appendEscaped(out, codePoint));
        }
        return out.toString();
    }

    private static boolean isPlain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** Whether every char is one byte; a string holding more (text built in Java) is shown as text. */
    private static boolean isOctets(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static String utf8OrNull(String octets) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(octets.getBytes(CStrings.OCTETS)))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void appendEscaped(StringBuilder out, int codePoint) {
        switch (codePoint) {
            case '\\' -> out.append("\\\\");
            case '\r' -> out.append("\\r");
            case '\n' -> out.append("\\n");
            case '\t' -> out.append("\\t");
            default -> {
                if (codePoint < 0x20 || codePoint == 0x7F) {
                    hex(out, codePoint);
                } else if (Character.isISOControl(codePoint)) {
                    out.append(String.format("\\u%04x", codePoint)); // C1 controls, decoded from UTF-8
                } else {
                    out.appendCodePoint(codePoint);
                }
            }
        }
    }

    private static void hex(StringBuilder out, int value) {
        out.append("\\x").append(Character.forDigit(value >> 4, 16)).append(Character.forDigit(value & 0xF, 16));
    }
}
