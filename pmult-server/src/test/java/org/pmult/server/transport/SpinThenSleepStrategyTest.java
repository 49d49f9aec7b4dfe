package org.pmult.server.transport;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The select strategy's answers: poll once with tasks waiting, the events a spin finds, sleep after
 * a fruitless spin, and spinning again only after a sleep shorter than the spin.
 */
class SpinThenSleepStrategyTest {

    private static final long SPIN = TimeUnit.MILLISECONDS.toNanos(200);

    @Test
    void withTasksWaitingPollsOnceAndNeverBlocks() throws Exception {
        SpinThenSleepStrategy strategy = new SpinThenSleepStrategy(SPIN);
        AtomicInteger polls = new AtomicInteger();

        assertEquals(0, strategy.calculateStrategy(() -> {
            polls.incrementAndGet();
            return 0;
        }, true));
        assertEquals(1, polls.get());
    }

    @Test
    void returnsTheEventsAPollFindsWhileSpinning() throws Exception {
        SpinThenSleepStrategy strategy = new SpinThenSleepStrategy(SPIN);
        AtomicInteger polls = new AtomicInteger();

        int ready = strategy.calculateStrategy(() -> polls.incrementAndGet() < 100 ? 0 : 3, false);

        assertEquals(3, ready, "the events found on the 100th poll are processed without sleeping");
        assertEquals(100, polls.get());
        assertTrue(strategy.spinsNext(), "a spin that paid is repeated");
    }

    @Test
    void afterAFruitlessSpinItSleepsAtOnceUntilASleepIsShorterThanTheSpin() throws Exception {
        SpinThenSleepStrategy strategy = new SpinThenSleepStrategy(TimeUnit.MILLISECONDS.toNanos(20));
        AtomicInteger polls = new AtomicInteger();

        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(() -> {
            polls.incrementAndGet();
            return 0;
        }, false));
        assertTrue(polls.get() >= 1, "it spun");
        assertFalse(strategy.spinsNext(), "nothing came during the spin");

        // a long sleep: the next idle moment sleeps at once, without polling
        long longSleep = System.nanoTime();
        await().pollDelay(java.time.Duration.ofMillis(30)).until(() -> System.nanoTime() - longSleep > 25_000_000L);
        polls.set(0);
        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(() -> {
            polls.incrementAndGet();
            return 0;
        }, false));
        assertEquals(0, polls.get(), "no spin after a sleep longer than the spin");

        // that sleep was cut short at once (the next call comes right away): the loop spins again
        assertEquals(4, strategy.calculateStrategy(() -> 4, false), "it spins again and finds the events");
        assertTrue(strategy.spinsNext());
    }

    @Test
    void refusesANonPositiveSpin() {
        assertThrows(IllegalArgumentException.class, () -> new SpinThenSleepStrategy(0));
    }
}
