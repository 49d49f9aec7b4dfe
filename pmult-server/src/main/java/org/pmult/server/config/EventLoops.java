package org.pmult.server.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pmult's I/O threads. Read at start only: a reload keeps the running event loops.
 *
 * @param threads how many event loops serve MeTA1 connections and their Milter connections
 *                (0 = Netty's default, twice the number of cores)
 * @param spin    how long an event loop that ran out of work keeps polling its sockets before it
 *                sleeps (0 = sleeps at once, the default). Each message to or from a sleeping
 *                thread costs a wake-up — tens of microseconds on a virtual machine, for every round
 *                trip — so a short spin cuts latency when pmult waits on a fast milter, at the price
 *                of CPU that would otherwise be idle. A loop spins only while most of its recent
 *                waits were shorter than the spin, and yields the core while it spins.
 */
public record EventLoops(int threads, Duration spin) {

    /** Longest spin accepted: beyond it an event loop mostly burns CPU. */
    public static final Duration MAX_SPIN = Duration.ofMillis(1);
    public static final EventLoops DEFAULTS = new EventLoops(0, Duration.ZERO);

    private static final Pattern SPIN = Pattern.compile(
            "(\\d{1,7})\\s*(us|µs|microseconds?|ms|milliseconds?)?", Pattern.CASE_INSENSITIVE);

    public EventLoops {
        if (threads < 0 || threads > 1024) {
            throw new InvalidFieldException("threads", threads + " (expected: 0 (two per core) .. 1024)");
        }
        if (spin == null || spin.isNegative() || spin.compareTo(MAX_SPIN) > 0) {
            throw new InvalidFieldException("spin", (spin == null ? "null" : describe(spin))
                    + " (expected: 0 (off) .. 1 millisecond)");
        }
    }

    /** Whether event loops poll before sleeping. */
    public boolean spins() {
        return !spin.isZero();
    }

    /**
     * A spin written in pmult.conf: {@code 50us}, {@code 50 microseconds}, {@code 1ms}, or {@code 0}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Duration parseSpin(String text) {
        Matcher matcher = SPIN.matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("bad value \"" + text + "\" (expected: e.g. 50us, 50 microseconds, 1ms or 0)");
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2);
        if (unit == null) {
            if (amount != 0) {
                throw new IllegalArgumentException("\"" + text + "\" has no unit (expected: e.g. 50us or 1ms)");
            }
            return Duration.ZERO;
        }
        String lower = unit.toLowerCase(Locale.ROOT);
        return lower.equals("ms") || lower.startsWith("milli") ? Duration.ofMillis(amount) : Duration.ofNanos(amount * 1000);
    }

    /** {@code 50 microseconds}, {@code 2 milliseconds}. */
    static String describe(Duration spin) {
        long micros = spin.toNanos() / 1000;
        return micros % 1000 == 0 && micros > 0 ? micros / 1000 + " milliseconds" : micros + " microseconds";
    }
}
