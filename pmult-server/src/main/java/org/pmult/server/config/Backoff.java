package org.pmult.server.config;

import java.time.Duration;

/**
 * Delay between attempts to reconnect to a milter that is down: starts at {@code initial} and
 * doubles after each failure up to {@code max}.
 *
 * @param initial first delay (default 1 s)
 * @param max     longest delay (default 60 s)
 */
public record Backoff(Duration initial, Duration max) {

    public static final Backoff DEFAULTS = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

    public Backoff {
        ClientTimeouts.requirePositive("initial", initial);
        ClientTimeouts.requirePositive("max", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max: " + Intervals.format(max) + " (expected: >= initial "
                    + Intervals.format(initial) + ")");
        }
    }
}
