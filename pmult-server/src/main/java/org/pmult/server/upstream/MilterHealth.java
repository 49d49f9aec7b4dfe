package org.pmult.server.upstream;

import java.time.Duration;

/**
 * Whether a milter is up, by the outcome of connection attempts to it (sessions', spares' and
 * probes'). One failed attempt proves little — a full backlog, a restart, a spare that met a
 * closing connection — so the milter is DOWN only when connecting keeps failing: at least
 * {@link #DOWN_AFTER_FAILURES} attempts in a row have failed, with no negotiation in between, over
 * at least {@link #DOWN_AFTER}. Any successful negotiation ends the streak and makes it UP.
 * Thread-safe; the clock is passed in so the rule is tested without waiting.
 */
final class MilterHealth {

    /** How long connecting must keep failing before the milter is down: longer than a restart takes. */
    static final Duration DOWN_AFTER = Duration.ofSeconds(5);
    /** How many attempts in a row must fail, so one slow failure alone never trips it. */
    static final int DOWN_AFTER_FAILURES = 3;

    /** What an outcome changed. */
    enum Change {
        NONE,
        /** The first negotiation ever. */
        FIRST_UP,
        /** Negotiated again after being down. */
        BACK_UP,
        /** Connecting kept failing: down from now on. */
        WENT_DOWN
    }

    private final long downAfterNanos;
    private final int downAfterFailures;
    private MilterClient.Health health = MilterClient.Health.UNKNOWN;
    private int failures;
    private long firstFailureNanos;

    MilterHealth() {
        this(DOWN_AFTER);
    }

    /** With another time rule (tests). */
    MilterHealth(Duration downAfter) {
        this(downAfter, DOWN_AFTER_FAILURES);
    }

    private MilterHealth(Duration downAfter, int downAfterFailures) {
        this.downAfterNanos = downAfter.toNanos();
        this.downAfterFailures = downAfterFailures;
    }

    /**
     * The rule for one of several instances of a client: down at its first failed attempt. The
     * session fails over to the next instance at once, so there is nothing to wait out here; the
     * probes put the instance back within a second of it accepting again.
     */
    static MilterHealth instanceOfSeveral() {
        return new MilterHealth(Duration.ZERO, 1);
    }

    /** Whether attempts are tried again on this milter (not when another instance can take the session). */
    boolean retriesAttempts() {
        return downAfterFailures > 1;
    }

    /** The time rule in words, for the log: "5 s" or "200 ms". */
    String downAfterText() {
        long millis = downAfterNanos / 1_000_000;
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    synchronized MilterClient.Health health() {
        return health;
    }

    /** Whether attempts have failed since the last negotiation (the milter may be going down). */
    synchronized boolean failing() {
        return failures > 0;
    }

    /** An attempt negotiated. */
    synchronized Change negotiated() {
        MilterClient.Health was = health;
        health = MilterClient.Health.UP;
        failures = 0;
        return switch (was) {
            case UNKNOWN -> Change.FIRST_UP;
            case DOWN -> Change.BACK_UP;
            case UP -> Change.NONE;
        };
    }

    /** An attempt failed at {@code nowNanos} ({@link System#nanoTime()}). */
    synchronized Change attemptFailed(long nowNanos) {
        if (failures == 0) {
            firstFailureNanos = nowNanos;
        }
        failures++;
        if (health != MilterClient.Health.DOWN && failures >= downAfterFailures
                && nowNanos - firstFailureNanos >= downAfterNanos) {
            health = MilterClient.Health.DOWN;
            return Change.WENT_DOWN;
        }
        return Change.NONE;
    }
}
