package org.pmult.server.upstream;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rule that marks a milter down: attempts in a row failing for {@link MilterHealth#DOWN_AFTER},
 * at least {@link MilterHealth#DOWN_AFTER_FAILURES} of them, with no negotiation in between. The
 * clock is passed in, in seconds here.
 */
class MilterHealthTest {

    private final MilterHealth health = new MilterHealth();

    @Test
    void oneFailureNeverMarksItDownHoweverLongAgo() {
        assertEquals(MilterHealth.Change.FIRST_UP, health.negotiated());

        assertEquals(MilterHealth.Change.NONE, health.attemptFailed(at(0)));
        assertEquals(MilterHealth.Change.NONE, health.attemptFailed(at(3_600)),
                "two failures an hour apart are still only two");

        assertEquals(MilterClient.Health.UP, health.health());
        assertTrue(health.failing());
    }

    @Test
    void manyFailuresWithinTheTimeRuleAreNotEnough() {
        for (int n = 0; n < 1_000; n++) {
            assertEquals(MilterHealth.Change.NONE, health.attemptFailed(at(0) + n * 1_000_000L),
                    "a burst of failures within a second (a full backlog, a restart)");
        }
        assertEquals(MilterClient.Health.UNKNOWN, health.health());
    }

    @Test
    void downOnceConnectingHasKeptFailingForTheTimeRule() {
        health.negotiated();
        health.attemptFailed(at(0));
        health.attemptFailed(at(2));
        health.attemptFailed(at(4));
        assertEquals(MilterClient.Health.UP, health.health(), "three failures, but only for 4 s");

        assertEquals(MilterHealth.Change.WENT_DOWN, health.attemptFailed(at(5)));
        assertEquals(MilterClient.Health.DOWN, health.health());
        assertEquals(MilterHealth.Change.NONE, health.attemptFailed(at(6)), "down once, reported once");
    }

    @Test
    void aNegotiationEndsTheStreak() {
        health.negotiated();
        health.attemptFailed(at(0));
        health.attemptFailed(at(4));
        assertEquals(MilterHealth.Change.NONE, health.negotiated());
        assertFalse(health.failing());

        health.attemptFailed(at(5));
        health.attemptFailed(at(6));
        assertEquals(MilterHealth.Change.NONE, health.attemptFailed(at(9)),
                "the streak started again at 5 s: 4 s of failures");
        assertEquals(MilterHealth.Change.WENT_DOWN, health.attemptFailed(at(10)));
    }

    @Test
    void comesBackUpWithTheFirstNegotiation() {
        health.attemptFailed(at(0));
        health.attemptFailed(at(1));
        assertEquals(MilterHealth.Change.WENT_DOWN, health.attemptFailed(at(5)), "never up: down all the same");

        assertEquals(MilterHealth.Change.BACK_UP, health.negotiated());
        assertEquals(MilterClient.Health.UP, health.health());
        assertEquals(Duration.ofSeconds(5), MilterHealth.DOWN_AFTER);
        assertEquals("5 s", health.downAfterText());
    }

    private static long at(long seconds) {
        return 1_000_000_000_000L + Duration.ofSeconds(seconds).toNanos();
    }
}
