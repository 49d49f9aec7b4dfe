package org.pmult.server.transport;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

import java.util.function.LongSupplier;

/**
 * An event loop's select strategy that polls its sockets without blocking for a short time once it
 * runs out of work, and only then lets the loop sleep in {@code epoll_wait}. A message that arrives
 * during the spin is handled without the kernel waking the thread up, which is what a chain of fast
 * round trips (MeTA1 → pmult → milter and back) spends most of its time on.
 *
 * <p>It spins only while spinning pays, judged over the loop's last {@value #WINDOW} idle moments: a
 * moment counts as caught when its spin found work, or, when the loop slept at once, when that sleep
 * ended sooner than a spin would have. The loop spins while at least {@value #CAUGHT_TO_SPIN} of them
 * were caught. A slow milter (GNU mailfromd takes hundreds of microseconds per reply) or a MeTA1
 * waiting on real SMTP clients makes most waits long, so the loop sleeps at once, as Netty's default
 * strategy does, and leaves the CPU to the milter; one short wait among them does not turn the spin
 * back on. A fresh loop has no caught moments: it spins only once it has seen the short waits.
 *
 * <p>While spinning the thread yields between polls, so an event loop that has nothing to do gives
 * the core to any other runnable thread (another event loop, the milter, MeTA1) instead of holding
 * it for its whole spin. Tasks submitted from other threads are seen by the next poll (their wake-up
 * event is a readable eventfd), and a timer due during the spin fires at most one spin late. One
 * instance per event loop: its state is the loop's own.
 */
final class SpinThenSleepStrategy implements SelectStrategy {

    /** How many of the last idle moments decide. */
    static final int WINDOW = 8;
    /** How many of those must have been caught by a spin (or would have been) for the loop to spin. */
    static final int CAUGHT_TO_SPIN = 6;
    private static final int WINDOW_MASK = (1 << WINDOW) - 1;

    private final long spinNanos;
    private final LongSupplier clock;
    /** The last {@link #WINDOW} idle moments, newest in bit 0: 1 = caught, 0 = a long wait. */
    private int caught;
    /** When the loop last went to sleep without spinning, or -1 when it did not. */
    private long sleptAt = -1;

    SpinThenSleepStrategy(long spinNanos) {
        this(spinNanos, System::nanoTime);
    }

    SpinThenSleepStrategy(long spinNanos, LongSupplier clock) {
        if (spinNanos <= 0) {
            throw new IllegalArgumentException("spinNanos: " + spinNanos + " (expected: > 0)");
        }
        this.spinNanos = spinNanos;
        this.clock = clock;
    }

    @Override
    public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
        if (hasTasks) {
            return selectSupplier.get(); // work is waiting: poll once, never block
        }
        long now = clock.getAsLong();
        if (sleptAt >= 0) {
            // the loop slept at once last time: would a spin have caught what woke it?
            record(now - sleptAt < spinNanos);
            sleptAt = -1;
        }
        if (spinsNext()) {
            long deadline = now + spinNanos;
            do {
                int ready = selectSupplier.get();
                if (ready > 0) {
                    record(true);
                    return ready;
                }
                Thread.yield();
            } while (clock.getAsLong() - deadline < 0);
            record(false);
            return SelectStrategy.SELECT;
        }
        sleptAt = clock.getAsLong();
        return SelectStrategy.SELECT;
    }

    private void record(boolean caughtThisTime) {
        caught = ((caught << 1) | (caughtThisTime ? 1 : 0)) & WINDOW_MASK;
    }

    /** Whether the next idle moment spins. */
    boolean spinsNext() {
        return Integer.bitCount(caught) >= CAUGHT_TO_SPIN;
    }
}
