package org.pmult.server.transport;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The select strategy's three answers: poll once with tasks waiting, events found while spinning, sleep. */
class SpinThenSleepStrategyTest {

    private final SpinThenSleepStrategy strategy = new SpinThenSleepStrategy(TimeUnit.MILLISECONDS.toNanos(200));

    @Test
    void withTasksWaitingPollsOnceAndNeverBlocks() throws Exception {
        AtomicInteger polls = new AtomicInteger();

        assertEquals(0, strategy.calculateStrategy(() -> {
            polls.incrementAndGet();
            return 0;
        }, true));
        assertEquals(1, polls.get());
    }

    @Test
    void returnsTheEventsAPollFindsWhileSpinning() throws Exception {
        AtomicInteger polls = new AtomicInteger();

        int ready = strategy.calculateStrategy(() -> polls.incrementAndGet() < 100 ? 0 : 3, false);

        assertEquals(3, ready, "the events found on the 100th poll are processed without sleeping");
        assertEquals(100, polls.get());
    }

    @Test
    void sleepsOnceTheSpinFindsNothing() throws Exception {
        SpinThenSleepStrategy brief = new SpinThenSleepStrategy(TimeUnit.MICROSECONDS.toNanos(50));
        AtomicInteger polls = new AtomicInteger();

        assertEquals(SelectStrategy.SELECT, brief.calculateStrategy(() -> {
            polls.incrementAndGet();
            return 0;
        }, false));
        assertTrue(polls.get() >= 1);
    }

    @Test
    void refusesANonPositiveSpin() {
        assertThrows(IllegalArgumentException.class, () -> new SpinThenSleepStrategy(0));
    }
}
