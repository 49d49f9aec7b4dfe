package org.pmult.server.upstream;

/**
 * Header values from milters in the form smtps writes into the message: libmilter filters fold
 * with a bare LF (smfi_addheader documents "\n\t"), Sendmail and Postfix turn that into CRLF when
 * they write the header. MOD_VALUE carries CRLF line breaks only (docs/pmilter-wire.md): a bare LF
 * becomes CRLF, a bare CR is dropped, a line break at the very end is dropped, and a continuation
 * line that does not start with a space or tab gets a tab, so a value can never start a header
 * field of its own. Everything else passes byte for byte.
 */
final class HeaderValues {

    private HeaderValues() {
    }

    /** {@code value} with CRLF folding only; the same instance when it has no CR or LF. */
    static String crlfFolded(String value) {
        if (value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 8);
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == '\r') {
                if (i + 1 < length && value.charAt(i + 1) == '\n') {
                    continue; // the LF that follows makes the break
                }
                continue; // a bare CR is no line break smtps could write
            }
            if (c != '\n') {
                out.append(c);
                continue;
            }
            if (i + 1 == length) {
                break; // a break at the end would leave an empty continuation line
            }
            out.append("\r\n");
            char next = value.charAt(i + 1);
            if (next != ' ' && next != '\t') {
                out.append('\t');
            }
        }
        return out.toString();
    }
}
