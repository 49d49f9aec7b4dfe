package org.pmult.sim.meta1;

import java.time.Duration;

/**
 * MeTA1's time values: a number of seconds ({@code 300}) or number-unit pairs written together
 * ({@code 10s}, {@code 5m}, {@code 1h30m}) with units {@code s}, {@code m}, {@code h}, {@code d},
 * {@code w}. For the command line, {@link #parse(String, boolean)} also takes {@code ms}, which
 * short test timeouts need and MeTA1 does not know.
 */
public final class Meta1Interval {

    private static final long MAX_SECONDS = 365L * 86_400;

    private Meta1Interval() {
    }

    /** Parses a time value as meta1.conf writes it (no milliseconds). */
    public static Duration parse(String text) {
        return parse(text, false);
    }

    /**
     * @param allowMillis whether the {@code ms} unit is accepted (command line only)
     * @throws IllegalArgumentException e.g. {@code time value "5x": unknown unit "x" (expected: s, m, h, d, w)}
     */
    public static Duration parse(String text, boolean allowMillis) {
        String units = allowMillis ? "ms, s, m, h, d, w" : "s, m, h, d, w";
        if (text.isEmpty()) {
            throw bad(text, "empty (expected: e.g. 30, 10s, 5m, 1h30m)");
        }
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (i == start) {
                throw bad(text, "\"" + text.substring(start) + "\" does not start with a number");
            }
            long number = number(text, text.substring(start, i));
            int unitStart = i;
            while (i < text.length() && Character.isLetter(text.charAt(i))) {
                i++;
            }
            String unit = text.substring(unitStart, i);
            if (unit.isEmpty() && i < text.length()) {
                throw bad(text, "unexpected \"" + text.charAt(i) + "\" (expected: a digit or one of " + units + ")");
            }
            if (unit.isEmpty() && start != 0) {
                throw bad(text, "number " + number + " has no unit (expected: one of " + units + ")");
            }
            total = total.plus(amount(text, number, unit, allowMillis, units));
        }
        if (total.getSeconds() > MAX_SECONDS) {
            throw bad(text, total.getSeconds() + " seconds (expected: <= " + MAX_SECONDS + ")");
        }
        return total;
    }

    /** {@code 300ms}, {@code 5s}, {@code 5m}, {@code 1h30m}: the shortest MeTA1-style rendering. */
    public static String format(Duration duration) {
        if (duration.toNanosPart() % 1_000_000 != 0) {
            return duration.toNanos() + "ns";
        }
        if (duration.toMillisPart() != 0) {
            return duration.toMillis() + "ms";
        }
        long seconds = duration.getSeconds();
        if (seconds == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long[] sizes = {604_800, 86_400, 3_600, 60, 1};
        String[] names = {"w", "d", "h", "m", "s"};
        for (int k = 0; k < sizes.length; k++) {
            if (seconds >= sizes[k]) {
                out.append(seconds / sizes[k]).append(names[k]);
                seconds %= sizes[k];
            }
        }
        return out.toString();
    }

    private static Duration amount(String text, long number, String unit, boolean allowMillis, String units) {
        return switch (unit) {
            case "", "s" -> Duration.ofSeconds(number);
            case "m" -> Duration.ofSeconds(Math.multiplyExact(number, 60L));
            case "h" -> Duration.ofSeconds(Math.multiplyExact(number, 3_600L));
            case "d" -> Duration.ofSeconds(Math.multiplyExact(number, 86_400L));
            case "w" -> Duration.ofSeconds(Math.multiplyExact(number, 604_800L));
            case "ms" -> {
                if (!allowMillis) {
                    throw bad(text, "unit \"ms\" is not MeTA1 syntax (expected: one of " + units + ")");
                }
                yield Duration.ofMillis(number);
            }
            default -> throw bad(text, "unknown unit \"" + unit + "\" (expected: one of " + units + ")");
        };
    }

    private static long number(String text, String digits) {
        if (digits.length() > 9) {
            throw bad(text, "number " + digits + " is too large (expected: <= 999999999)");
        }
        return Long.parseLong(digits);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("time value \"" + text + "\": " + why);
    }
}
