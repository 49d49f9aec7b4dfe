package org.pmult.milter.client;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an SMFIR_REPLYCODE text before it becomes an SMTP reply, with the rules of Postfix 3.12
 * (milter8.c) — the text goes to MeTA1 verbatim, so a compromised filter must not be able to inject
 * SMTP responses through it. A valid text comes back with {@code %%} turned into {@code %}, as both
 * Sendmail and Postfix send it; a lone {@code %} is refused, as Sendmail refuses it (libmilter never
 * sends one: smfi_setreply insists on {@code %%}), where Postfix would drop it. Stateless.
 */
public final class ReplyTextValidator {

    /** One rule a reply text must keep; the log names the rule that was broken. */
    public enum Rule {
        /** The first line starts with a 4xx (tempfail) or 5xx (reject) code: the first digit is the verdict. */
        CODE("the reply starts with a 4xx (tempfail) or 5xx (reject) code"),
        /** Every line starts with that same code, then "-" if more lines follow, else a space or nothing. */
        LINE_PREFIX("every line starts with the same code, then \"-\" before more lines or a space on the last"),
        /** CR and LF appear only as CRLF between lines: no bare CR or LF, no empty or trailing line. */
        LINE_BREAKS("lines are separated by CRLF only, with no bare CR or LF and no empty line"),
        /** No NUL byte anywhere. */
        NUL("no NUL byte"),
        /** An enhanced status code (RFC 3463) after the reply code has the reply code's class. */
        ENHANCED_CODE_CLASS("an enhanced status code has the class of the reply code (5.x.x with 5xx, 4.x.x with 4xx)"),
        /** A percent sign is written {@code %%}. */
        PERCENT("a percent sign is written %%");

        private final String description;

        Rule(String description) {
            this.description = description;
        }

        /** The rule in words, for the log. */
        public String description() {
            return description;
        }
    }

    /** The outcome: the text to send, or the rule it broke. */
    public sealed interface Result {
    }

    /** Valid; {@code text} is what goes to the SMTP client ({@code %%} already turned into {@code %}). */
    public record Valid(String text) implements Result {
    }

    /** Broken {@code rule}; {@code detail} says where, for the log. */
    public record Invalid(Rule rule, String detail) implements Result {
    }

    private static final Pattern ENHANCED_CODE = Pattern.compile("([0-9])\\.[0-9]{1,3}\\.[0-9]{1,3}(?: |$)");

    private ReplyTextValidator() {
    }

    /** Checks {@code text} (a whole SMFIR_REPLYCODE text, lines joined by CRLF). */
    public static Result check(String text) {
        Objects.requireNonNull(text, "text");
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            return new Invalid(Rule.NUL, "NUL at offset " + nul);
        }
        if (text.length() < 3 || (text.charAt(0) != '4' && text.charAt(0) != '5')
                || !isDigit(text.charAt(1)) || !isDigit(text.charAt(2))) {
            return new Invalid(Rule.CODE, "begins \"" + head(text) + "\"");
        }
        String code = text.substring(0, 3);
        String[] lines = text.split("\r\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() || line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                return new Invalid(Rule.LINE_BREAKS, line.isEmpty() ? "line " + (i + 1) + " is empty"
                        : "bare " + (line.indexOf('\r') >= 0 ? "CR" : "LF") + " in line " + (i + 1));
            }
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            boolean last = i == lines.length - 1;
            boolean prefixOk = line.startsWith(code) && (last
                    ? line.length() == 3 || line.charAt(3) == ' '
                    : line.length() > 3 && line.charAt(3) == '-');
            if (!prefixOk) {
                return new Invalid(Rule.LINE_PREFIX, "line " + (i + 1) + " begins \"" + head(line) + "\" (expected: \""
                        + code + (last ? " " : "-") + "\")");
            }
            String rest = line.length() > 4 ? line.substring(4) : "";
            Matcher enhanced = ENHANCED_CODE.matcher(rest);
            if (enhanced.lookingAt() && enhanced.group(1).charAt(0) != code.charAt(0)) {
                return new Invalid(Rule.ENHANCED_CODE_CLASS, "line " + (i + 1) + ": " + code + " with "
                        + rest.substring(0, enhanced.end()).strip());
            }
            if (i > 0) {
                out.append("\r\n");
            }
            out.append(line, 0, Math.min(4, line.length()));
            for (int at = 4; at < line.length(); at++) {
                char c = line.charAt(at);
                if (c == '%') {
                    if (at + 1 < line.length() && line.charAt(at + 1) == '%') {
                        at++;
                    } else {
                        return new Invalid(Rule.PERCENT, "lone % in line " + (i + 1) + " at column " + (at + 1));
                    }
                }
                out.append(c);
            }
        }
        return new Valid(out.toString());
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The start of a line, for messages: at most 12 characters, control characters escaped. */
    private static String head(String line) {
        String start = line.length() > 12 ? line.substring(0, 12) + "…" : line;
        return start.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    }
}
