package org.pmult.server.transport;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The select strategy's answers, on a clock the test moves: poll once with tasks waiting; sleep at
 * once until most recent waits were short; the events a spin finds; sleep after a fruitless spin;
 * and no spinning while long waits (a slow milter) are the rule, even with short ones among them.
 */
class SpinThenSleepStrategyTest {

    private static final long SPIN = 50_000;
    private static final long SHORT_WAIT = 10_000;
    private static final long LONG_WAIT = 400_000;
    /** Each poll of the fake sockets takes a microsecond of the fake clock. */
    private static final long POLL = 1_000;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicInteger polls = new AtomicInteger();
    private final SpinThenSleepStrategy strategy = new SpinThenSleepStrategy(SPIN, clock::get);

    @Test
    void withTasksWaitingPollsOnceAndNeverBlocks() throws Exception {
        assertEquals(0, strategy.calculateStrategy(this::pollNothing, true));
        assertEquals(1, polls.get());
    }

    @Test
    void aFreshLoopSleepsAtOnce() throws Exception {
        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(this::pollNothing, false));
        assertEquals(0, polls.get(), "no spin before any wait was seen to be short");
    }

    @Test
    void spinsOnceSixOfTheLastEightWaitsWereShort() throws Exception {
        for (int i = 0; i < SpinThenSleepStrategy.CAUGHT_TO_SPIN - 1; i++) {
            sleepFor(SHORT_WAIT);
        }
        sleepAtOnce();
        assertFalse(strategy.spinsNext(), "five short waits are not enough");

        clock.addAndGet(SHORT_WAIT); // the sixth
        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(this::pollNothing, false));
        assertEquals(SPIN / POLL, polls.get(), "it spun until its deadline");
    }

    @Test
    void returnsTheEventsAPollFindsWhileSpinning() throws Exception {
        spinning();
        AtomicInteger pollsUntilFound = new AtomicInteger();

        int ready = strategy.calculateStrategy(() -> {
            clock.addAndGet(POLL);
            return pollsUntilFound.incrementAndGet() < 20 ? 0 : 3;
        }, false);

        assertEquals(3, ready, "the events found on the 20th poll are processed without sleeping");
        assertEquals(20, pollsUntilFound.get());
        assertTrue(strategy.spinsNext(), "a spin that paid is repeated");
    }

    @Test
    void aFruitlessSpinEndsInSleepAndThreeOfThemStopTheSpinning() throws Exception {
        spinning();
        for (int fruitless = 1; fruitless <= 3; fruitless++) {
            polls.set(0);
            assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(this::pollNothing, false));
            assertEquals(SPIN / POLL, polls.get(), "fruitless spin " + fruitless + " ran to its deadline");
            assertEquals(fruitless < 3, strategy.spinsNext(), "spinning on after " + fruitless + " fruitless spins");
            clock.addAndGet(LONG_WAIT); // the sleep after it
        }

        polls.set(0);
        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(this::pollNothing, false));
        assertEquals(0, polls.get(), "three of the last eight waits were long: it sleeps at once");
    }

    @Test
    void aSlowMilterWithAFastMta1NeverTurnsTheSpinOn() throws Exception {
        // mailfromd at one session: MeTA1's next request comes fast, each milter reply takes long
        for (int i = 0; i < 50; i++) {
            sleepFor(i % 2 == 0 ? SHORT_WAIT : LONG_WAIT);
            assertFalse(strategy.spinsNext(), "wait " + i);
        }
        assertEquals(0, polls.get());
    }

    @Test
    void refusesANonPositiveSpin() {
        assertThrows(IllegalArgumentException.class, () -> new SpinThenSleepStrategy(0));
    }

    /** Six short waits, the last one not yet judged: the next idle moment spins. */
    private void spinning() throws Exception {
        for (int i = 0; i < SpinThenSleepStrategy.CAUGHT_TO_SPIN; i++) {
            sleepFor(SHORT_WAIT);
        }
        polls.set(0);
    }

    /** An idle moment that sleeps at once (the strategy must not be spinning), woken after {@code wait}. */
    private void sleepFor(long wait) throws Exception {
        sleepAtOnce();
        clock.addAndGet(wait);
        strategy.calculateStrategy(() -> 1, true); // woken: the loop runs its work, then is idle again
    }

    private void sleepAtOnce() throws Exception {
        int before = polls.get();
        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(this::pollNothing, false));
        assertEquals(before, polls.get(), "slept at once");
    }

    private int pollNothing() {
        polls.incrementAndGet();
        clock.addAndGet(POLL);
        return 0;
    }
}
