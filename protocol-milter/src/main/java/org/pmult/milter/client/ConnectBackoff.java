package org.pmult.milter.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long a session waits before it tries again to connect to a filter after a transient failure
 * (a full listen backlog, a refused connection while the filter restarts, a connection closed before
 * the option negotiation was answered). The wait doubles with each failure from {@code initial} up
 * to {@code max}, and each wait is drawn at random between half of that and all of it, so sessions
 * that failed together do not all come back at the same moment. The session's connect timeout
 * bounds the whole; {@link #NONE} makes one attempt only.
 *
 * @param initial the wait after the first failure (before jitter)
 * @param max     the longest wait (before jitter)
 */
public record ConnectBackoff(Duration initial, Duration max) {

    /** One attempt, no retry (a library user's default, and pmult's reconnect probes). */
    public static final ConnectBackoff NONE = new ConnectBackoff(Duration.ZERO, Duration.ZERO);

    /**
     * pmult's retries: 10 ms, 20 ms, … up to 250 ms. Short enough that a burst into a full backlog
     * clears within tens of milliseconds of the filter accepting again; long enough that a few
     * hundred waiting sessions cost the filter a few thousand attempts a second at most.
     */
    public static final ConnectBackoff DEFAULT = new ConnectBackoff(Duration.ofMillis(10), Duration.ofMillis(250));

    public ConnectBackoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("connect backoff: initial " + initial + ", max " + max
                    + " (expected: 0 <= initial <= max)");
        }
    }

    /** Whether a failed attempt is tried again at all. */
    public boolean retries() {
        return !initial.isZero();
    }

    /**
     * The wait after the {@code failures}-th failed attempt in a row (1 for the first): the doubled
     * delay capped at {@link #max}, then jittered into its upper half.
     */
    public Duration delay(int failures, RandomGenerator random) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures: " + failures + " (expected: >= 1)");
        }
        long base = initial.toNanos();
        long cap = max.toNanos();
        for (int n = 1; n < failures && base < cap; n++) {
            base *= 2;
        }
        base = Math.min(base, cap);
        long half = base / 2;
        return Duration.ofNanos(half + (base - half == 0 ? 0 : random.nextLong(base - half + 1)));
    }
}
