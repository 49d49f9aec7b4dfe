package org.pmult.milter.client;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A connection's timeout on an event loop whose clock the test moves (no real waiting). */
class DeadlineTimerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final DeadlineTimer timer;
    private final List<String> expired = new ArrayList<>();

    DeadlineTimerTest() {
        channel.freezeTime();
        timer = new DeadlineTimer(channel.eventLoop());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void runsTheActionOnceTheTimeoutHasPassedAndNotBefore() {
        timer.arm(Duration.ofSeconds(10), () -> expired.add("reply"));

        advance(Duration.ofMillis(9_999));
        assertEquals(List.of(), expired);
        advance(Duration.ofMillis(1));
        assertEquals(List.of("reply"), expired);
        assertFalse(timer.armed());
        advance(Duration.ofSeconds(60));
        assertEquals(List.of("reply"), expired, "once");
    }

    @Test
    void reArmingMovesTheDeadlineAndReplacesTheAction() {
        timer.arm(Duration.ofSeconds(10), () -> expired.add("first command"));
        advance(Duration.ofSeconds(6));
        timer.arm(Duration.ofSeconds(10), () -> expired.add("second command")); // due at 16 s

        advance(Duration.ofSeconds(4)); // the first wake-up comes, finds the deadline moved on
        assertEquals(List.of(), expired);
        advance(Duration.ofMillis(5_999));
        assertEquals(List.of(), expired);
        advance(Duration.ofMillis(1));
        assertEquals(List.of("second command"), expired);
    }

    @Test
    void anEarlierDeadlineThanThePendingWakeUpIsKept() {
        timer.arm(Duration.ofMinutes(5), () -> expired.add("end of message"));
        timer.arm(Duration.ofSeconds(10), () -> expired.add("next command"));

        advance(Duration.ofSeconds(10));
        assertEquals(List.of("next command"), expired);
    }

    @Test
    void aDisarmedTimerRunsNothing() {
        timer.arm(Duration.ofSeconds(10), () -> expired.add("reply"));
        timer.disarm();

        advance(Duration.ofSeconds(30));
        assertEquals(List.of(), expired);
        assertFalse(timer.armed());
    }

    @Test
    void armingAgainAfterExpiryWorks() {
        timer.arm(Duration.ofSeconds(1), () -> expired.add("one"));
        advance(Duration.ofSeconds(1));
        timer.arm(Duration.ofSeconds(1), () -> expired.add("two"));
        assertTrue(timer.armed());
        advance(Duration.ofSeconds(1));
        assertEquals(List.of("one", "two"), expired);
    }

    @Test
    void stoppingLeavesNoScheduledWakeUp() {
        timer.arm(Duration.ofSeconds(10), () -> expired.add("reply"));

        timer.stop();

        assertEquals(-1, channel.runScheduledPendingTasks(), "nothing left on the event loop's timer queue");
        advance(Duration.ofSeconds(30));
        assertEquals(List.of(), expired);
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }
}
