package org.pmult.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * mailfromd's "time interval specification", as GNU pmult reads its timeouts: number-unit pairs
 * summed ({@code 1 hour 30 minutes}), a number without unit means seconds ({@code 300}), a unit
 * without number means one ({@code minute}). Units are case-insensitive and may be shortened to any
 * prefix of second(s), minute(s), hour(s), day(s), week(s), month(s); a bare {@code m} is minutes
 * ({@code mo} is months). Measured against mailfromd 8.15's own {@code interval()} function.
 *
 * <p>Two deliberate differences: a number glued to its unit ({@code 10s}, {@code 1h30m}) is also
 * accepted (mailfromd rejects it; MeTA1 and Sendmail write times that way), and a month is 30 days
 * (mailfromd's month is 217 days, surely a bug). An empty specification is an error, not zero.
 */
public final class Intervals {

    /** Units in lookup order: the first whose name starts with the written unit wins. */
    private enum Unit {
        SECONDS(1),
        MINUTES(60),
        HOURS(3_600),
        DAYS(86_400),
        WEEKS(604_800),
        MONTHS(2_592_000);

        final long seconds;
        final String name = name().toLowerCase(Locale.ROOT);

        Unit(long seconds) {
            this.seconds = seconds;
        }
    }

    private Intervals() {
    }

    /**
     * Parses a time interval specification.
     *
     * @throws IllegalArgumentException e.g. {@code bad interval "10 parsecs": unknown unit "parsecs" (...)}
     */
    public static Duration parse(String text) {
        List<String> tokens = tokenize(text);
        if (tokens.isEmpty()) {
            throw bad(text, "empty (expected: e.g. 300, 10 seconds, 5 minutes, 1 hour 30 minutes)");
        }
        long total = 0;
        Long pending = null;
        for (String token : tokens) {
            if (Character.isDigit(token.charAt(0))) {
                if (pending != null) {
                    throw bad(text, "number " + pending + " is not followed by a unit");
                }
                pending = number(token, text);
            } else {
                Unit unit = unit(token, text);
                total = add(total, pending == null ? 1 : pending, unit.seconds, text);
                pending = null;
            }
        }
        if (pending != null) {
            total = add(total, pending, 1, text);
        }
        return Duration.ofSeconds(total);
    }

    /** Renders a duration the way pmult.conf would write it: {@code 1 hour 30 minutes}, {@code 10 seconds}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0 seconds";
        }
        if (duration.toNanosPart() % 1_000_000 != 0 || duration.toMillisPart() != 0) {
            return duration.toMillis() + " milliseconds";
        }
        long seconds = duration.getSeconds();
        StringBuilder out = new StringBuilder();
        for (Unit unit : new Unit[] {Unit.DAYS, Unit.HOURS, Unit.MINUTES, Unit.SECONDS}) {
            long count = seconds / unit.seconds;
            if (count > 0) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                String name = count == 1 ? unit.name.substring(0, unit.name.length() - 1) : unit.name;
                out.append(count).append(' ').append(name);
                seconds -= count * unit.seconds;
            }
        }
        return out.toString();
    }

    private static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            if (c >= '0' && c <= '9') {
                while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                    i++;
                }
            } else if (Character.isLetter(c)) {
                while (i < text.length() && Character.isLetter(text.charAt(i))) {
                    i++;
                }
            } else {
                throw bad(text, "unexpected \"" + c + "\" (expected: numbers and units such as 5 minutes)");
            }
            tokens.add(text.substring(start, i));
        }
        return tokens;
    }

    private static long number(String digits, String text) {
        if (digits.length() > 12) {
            throw bad(text, "number " + digits + " is too large");
        }
        return Long.parseLong(digits);
    }

    private static Unit unit(String word, String text) {
        String lower = word.toLowerCase(Locale.ROOT);
        for (Unit unit : Unit.values()) {
            if (unit.name.startsWith(lower)) {
                return unit;
            }
        }
        throw bad(text, "unknown unit \"" + word + "\" (expected: seconds, minutes, hours, days, weeks or months,"
                + " or a prefix such as s, min, h)");
    }

    private static long add(long total, long count, long unitSeconds, String text) {
        try {
            long sum = Math.addExact(total, Math.multiplyExact(count, unitSeconds));
            if (sum > Duration.ofDays(36_500).getSeconds()) {
                throw bad(text, "longer than 100 years");
            }
            return sum;
        } catch (ArithmeticException e) {
            throw bad(text, "too large");
        }
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad interval \"" + text.strip() + "\": " + why);
    }
}
