package org.pmult.server.config;

import java.time.Duration;

/**
 * Delay between probes of a milter whose connections fail: starts at {@code initial} and doubles
 * after each failed probe up to {@code max}. {@code max} is at most {@link #MAX_PROBE_INTERVAL}, so
 * a milter that accepts connections again is used within a second, however long it was away.
 *
 * @param initial first delay (default 100 ms)
 * @param max     longest delay (default 500 ms, at most 1 s)
 */
public record Backoff(Duration initial, Duration max) {

    /** The longest probe interval accepted: a milter that is back must serve again within a second. */
    public static final Duration MAX_PROBE_INTERVAL = Duration.ofSeconds(1);

    public static final Backoff DEFAULTS = new Backoff(Duration.ofMillis(100), Duration.ofMillis(500));

    public Backoff {
        ClientTimeouts.requirePositive("initial", initial);
        ClientTimeouts.requirePositive("max", max);
        if (max.compareTo(initial) < 0) {
            throw new InvalidFieldException("max", Intervals.format(max) + " (expected: at least the first probe interval, "
                    + Intervals.format(initial) + ")", "initial", Intervals.format(initial)
                    + " (expected: at most the longest probe interval, " + Intervals.format(max) + ")");
        }
        if (max.compareTo(MAX_PROBE_INTERVAL) > 0) {
            throw new InvalidFieldException("max", Intervals.format(max) + " (expected: <= 1 second, so a milter"
                    + " that is back is used again within a second; probing a milter that refuses at once costs nothing)");
        }
    }

    /** The delay after {@code previous}: doubled, at most {@link #max}. */
    public Duration next(Duration previous) {
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }
}
