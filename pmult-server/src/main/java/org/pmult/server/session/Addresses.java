package org.pmult.server.session;

/** Envelope address helpers for the macros Sendmail derives from MAIL and RCPT. */
final class Addresses {

    private Addresses() {
    }

    /** {@code <a@b.example>} gives {@code a@b.example}; {@code <>} gives the empty string. */
    static String strip(String path) {
        String trimmed = path.strip();
        if (trimmed.length() >= 2 && trimmed.charAt(0) == '<' && trimmed.charAt(trimmed.length() - 1) == '>') {
            return trimmed.substring(1, trimmed.length() - 1);
        }
        return trimmed;
    }

    /** The part after the last {@code @}, or the empty string. */
    static String domain(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }
}
