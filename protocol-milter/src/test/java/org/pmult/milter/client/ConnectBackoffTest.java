package org.pmult.milter.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The waits between connection attempts: doubling from the first, capped, jittered into the upper half. */
class ConnectBackoffTest {

    /** Always draws the smallest value. */
    private static final RandomGenerator LOWEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            return 0;
        }
    };

    /** Always draws the largest value. */
    private static final RandomGenerator HIGHEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    private final ConnectBackoff backoff = new ConnectBackoff(Duration.ofMillis(10), Duration.ofMillis(250));

    @Test
    void doublesWithEachFailureUpToTheCap() {
        assertEquals(Duration.ofMillis(10), backoff.delay(1, HIGHEST));
        assertEquals(Duration.ofMillis(20), backoff.delay(2, HIGHEST));
        assertEquals(Duration.ofMillis(40), backoff.delay(3, HIGHEST));
        assertEquals(Duration.ofMillis(160), backoff.delay(5, HIGHEST));
        assertEquals(Duration.ofMillis(250), backoff.delay(6, HIGHEST), "320 ms capped at 250 ms");
        assertEquals(Duration.ofMillis(250), backoff.delay(1_000, HIGHEST), "no overflow after many failures");
    }

    @Test
    void jitterKeepsEachWaitInTheUpperHalfOfItsStep() {
        assertEquals(Duration.ofMillis(5), backoff.delay(1, LOWEST));
        assertEquals(Duration.ofMillis(125), backoff.delay(9, LOWEST));
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        for (int failures = 1; failures < 12; failures++) {
            Duration delay = backoff.delay(failures, random);
            Duration step = backoff.delay(failures, HIGHEST);
            assertTrue(delay.compareTo(step.dividedBy(2)) >= 0 && delay.compareTo(step) <= 0,
                    failures + ": " + delay + " outside " + step.dividedBy(2) + ".." + step);
        }
    }

    @Test
    void aNewSessionStartsAgainAtTheFirstStep() {
        // the count of failures belongs to one session's attempts: a new session passes 1 again
        assertEquals(backoff.delay(1, HIGHEST), backoff.delay(1, HIGHEST));
        assertTrue(backoff.retries());
    }

    @Test
    void noneMakesOneAttemptOnly() {
        assertFalse(ConnectBackoff.NONE.retries());
        assertThrows(IllegalArgumentException.class, () -> new ConnectBackoff(Duration.ofMillis(5), Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> backoff.delay(0, HIGHEST));
    }
}
