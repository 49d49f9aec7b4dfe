package org.pmult.milter.client;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One connection's timeout, re-armed for every command without touching the event loop's timer
 * queue each time: a command's reply usually comes long before its timeout, so instead of
 * scheduling and cancelling a task per command (a queue insertion and removal among all the
 * connections' timers, about 1.5 % of pmult's CPU under load), the one scheduled wake-up stays and,
 * when it comes early because the deadline moved on, sleeps again until the current deadline. Only
 * an earlier deadline than the pending wake-up schedules anew. Touched only on its event loop.
 */
final class DeadlineTimer {

    private final EventExecutor eventLoop;
    /** What to run when the deadline passes; null while disarmed. */
    private Runnable onExpiry;
    private long deadlineNanos;
    /** The pending wake-up, or null. */
    private ScheduledFuture<?> wakeUp;
    private long wakeUpNanos;

    DeadlineTimer(EventExecutor eventLoop) {
        this.eventLoop = eventLoop;
    }

    /** Runs {@code action} on the event loop once {@code timeout} has passed, unless re-armed or disarmed first. */
    void arm(Duration timeout, Runnable action) {
        long deadline = eventLoop.ticker().nanoTime() + timeout.toNanos();
        onExpiry = action;
        deadlineNanos = deadline;
        if (wakeUp != null && wakeUpNanos - deadline > 0) {
            wakeUp.cancel(false); // due later than the new deadline: an earlier one is needed
            wakeUp = null;
        }
        if (wakeUp == null) {
            scheduleWakeUp(deadline);
        }
    }

    /** Nothing runs until armed again; a pending wake-up stays and finds nothing to do. */
    void disarm() {
        onExpiry = null;
    }

    /** Whether an action waits for the deadline. */
    boolean armed() {
        return onExpiry != null;
    }

    /** Disarms and drops the pending wake-up (the connection is done: nothing should hold on to it). */
    void stop() {
        onExpiry = null;
        if (wakeUp != null) {
            wakeUp.cancel(false);
            wakeUp = null;
        }
    }

    private void scheduleWakeUp(long at) {
        wakeUpNanos = at;
        wakeUp = eventLoop.schedule(this::wake, Math.max(0, at - eventLoop.ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void wake() {
        wakeUp = null;
        Runnable action = onExpiry;
        if (action == null) {
            return;
        }
        if (eventLoop.ticker().nanoTime() - deadlineNanos < 0) {
            scheduleWakeUp(deadlineNanos); // the deadline moved on since this wake-up was scheduled
            return;
        }
        onExpiry = null;
        action.run();
    }
}
