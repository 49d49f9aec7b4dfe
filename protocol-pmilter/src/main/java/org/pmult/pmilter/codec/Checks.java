package org.pmult.pmilter.codec;

import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

/** Argument checks shared by the message records; each message names the field, value and bound. */
final class Checks {

    private static final int MAX_PORT = 65_535;

    private Checks() {
    }

    static String seid(String seid) {
        Objects.requireNonNull(seid, "seid");
        int length = seid.length(); // an octet string: one char per byte
        if (length < PmilterCodes.MIN_SEID_LENGTH || length > PmilterCodes.MAX_SEID_LENGTH) {
            throw new IllegalArgumentException("SEID length: " + length + " (expected: "
                    + PmilterCodes.MIN_SEID_LENGTH + ".." + PmilterCodes.MAX_SEID_LENGTH + ")");
        }
        return seid;
    }

    static int port(int port) {
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException("CLT_PORT: " + Integer.toUnsignedString(port)
                    + " (expected: 0.." + MAX_PORT + ")");
        }
        return port;
    }

    /** A u32 field the API exposes as a non-negative int. */
    static int nonNegative(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + ": " + Integer.toUnsignedString(value)
                    + " (expected: <= " + Integer.MAX_VALUE + ")");
        }
        return value;
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + ": " + Integer.toUnsignedString(value)
                    + " (expected: " + min + ".." + Integer.MAX_VALUE + ")");
        }
        return value;
    }

    static String notEmpty(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(field + ": empty (expected: at least one character)");
        }
        return value;
    }

    /** TEXT must be a 4xx reply for TEMPFAIL/SHUTDOWN and a 5xx one for REJECT (§10.4). */
    static String replyText(ReplyCode code, String text) {
        if (text == null) {
            return null;
        }
        notEmpty("TEXT", text);
        char required = code.requiredTextClass();
        if (required != 0 && !startsWithReplyCode(text, required)) {
            throw new IllegalArgumentException("TEXT for " + code + ": \"" + abbreviate(text)
                    + "\" (expected: a " + required + "xx SMTP reply)");
        }
        return text;
    }

    private static boolean startsWithReplyCode(String text, char firstDigit) {
        if (text.length() < 3 || text.charAt(0) != firstDigit) {
            return false;
        }
        if (!isDigit(text.charAt(1)) || !isDigit(text.charAt(2))) {
            return false;
        }
        return text.length() == 3 || text.charAt(3) == ' ' || text.charAt(3) == '-' || text.charAt(3) == '\r';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
