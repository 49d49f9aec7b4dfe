package org.pmult.server.logging;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;

/**
 * {@code %pmultMessage}: the formatted message and, if the event has one, its exception with stack trace
 * (as {@code %ex} writes it), on one line, so that a peer cannot forge log lines and journald keeps one
 * event per entry. In the message each run of CR and LF becomes {@code " | "}; in the exception each
 * run of CR and LF, with the white space after it (a frame's indent), becomes {@code " | "}, and the
 * exception follows the message after {@code " | "}, without the one its last line break would leave at
 * the end. Handles the throwable itself, so the pattern needs no {@code %nopex}.
 */
public final class OneLineMessageConverter extends ThrowableHandlingConverter {

    private static final String SEPARATOR = " | ";

    private final ThrowableProxyConverter throwable = new ThrowableProxyConverter();

    @Override
    public void start() {
        throwable.setContext(getContext());
        throwable.setOptionList(getOptionList());
        throwable.start();
        super.start();
    }

    @Override
    public void stop() {
        throwable.stop();
        super.stop();
    }

    @Override
    public String convert(ILoggingEvent event) {
        StringBuilder out = new StringBuilder();
        append(out, event);
        return out.toString();
    }

    private void append(StringBuilder out, ILoggingEvent event) {
        foldMessage(out, event.getFormattedMessage());
        IThrowableProxy proxy = event.getThrowableProxy();
        if (proxy == null) {
            return;
        }
        String trace = throwable.convert(event);
        if (trace.isEmpty()) {
            return;
        }
        int start = out.length();
        out.append(SEPARATOR);
        foldTrace(out, trace);
        int length = out.length();
        if (length - start > SEPARATOR.length() && endsWithSeparator(out)) {
            out.setLength(length - SEPARATOR.length()); // the one the trace's last line break left
        }
    }

    /** Appends {@code message}, each run of CR and LF replaced by {@value #SEPARATOR}. */
    static void foldMessage(StringBuilder out, String message) {
        if (message == null) {
            out.append("null");
            return;
        }
        int length = message.length();
        int from = 0;
        int i = 0;
        while (i < length) {
            char c = message.charAt(i);
            if (c != '\r' && c != '\n') {
                i++;
                continue;
            }
            out.append(message, from, i).append(SEPARATOR);
            do {
                i++;
            } while (i < length && isLineBreak(message.charAt(i)));
            from = i;
        }
        out.append(message, from, length);
    }

    /** Appends {@code trace}, each run of CR and LF and the white space after it replaced by {@value #SEPARATOR}. */
    static void foldTrace(StringBuilder out, String trace) {
        int length = trace.length();
        int from = 0;
        int i = 0;
        while (i < length) {
            char c = trace.charAt(i);
            if (c != '\r' && c != '\n') {
                i++;
                continue;
            }
            out.append(trace, from, i).append(SEPARATOR);
            do {
                i++;
            } while (i < length && isWhiteSpace(trace.charAt(i)));
            from = i;
        }
        out.append(trace, from, length);
    }

    private static boolean isLineBreak(char c) {
        return c == '\r' || c == '\n';
    }

    /** What {@code \s} matches in a Java regular expression without flags. */
    private static boolean isWhiteSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static boolean endsWithSeparator(StringBuilder out) {
        int end = out.length();
        return out.charAt(end - 3) == ' ' && out.charAt(end - 2) == '|' && out.charAt(end - 1) == ' ';
    }
}
