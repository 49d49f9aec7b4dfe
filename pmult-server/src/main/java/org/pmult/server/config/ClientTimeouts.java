package org.pmult.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The four per-client timeouts, with GNU pmult's defaults so an existing pmult.conf behaves the same.
 *
 * @param connect how long to wait for the TCP/unix connect to the milter (default 300 s)
 * @param read    how long to wait for the milter's reply to each command (default 10 s)
 * @param write   how long writing one command to the milter may take (default 10 s)
 * @param eom     how long to wait for the milter's final reply at end of message (default 300 s)
 */
public record ClientTimeouts(Duration connect, Duration read, Duration write, Duration eom) {

    /** Longest timeout accepted: anything longer is surely a typo. */
    public static final Duration MAX = Duration.ofDays(1);

    public static final ClientTimeouts DEFAULTS = new ClientTimeouts(
            Duration.ofSeconds(300), Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(300));

    public ClientTimeouts {
        requirePositive("connect", connect);
        requirePositive("read", read);
        requirePositive("write", write);
        requirePositive("eom", eom);
    }

    /** The longest of the reply timeouts: the most time one command can keep a session waiting. */
    public Duration longestReply() {
        Duration longest = read;
        for (Duration candidate : new Duration[] {write, eom}) {
            if (candidate.compareTo(longest) > 0) {
                longest = candidate;
            }
        }
        return longest;
    }

    static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero() || value.compareTo(MAX) > 0) {
            throw new InvalidFieldException(name, Intervals.format(value) + " (expected: > 0 and <= 1 day)");
        }
    }
}
