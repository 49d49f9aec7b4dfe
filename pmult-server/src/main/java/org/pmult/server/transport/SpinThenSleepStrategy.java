package org.pmult.server.transport;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

/**
 * An event loop's select strategy that polls its sockets without blocking for a short time once it
 * runs out of work, and only then lets the loop sleep in {@code epoll_wait}. A message that arrives
 * during the spin is handled without the kernel waking the thread up, which is what a chain of fast
 * round trips (MeTA1 → pmult → milter and back) spends most of its time on.
 *
 * <p>It spins only while spinning pays: after a spin that found nothing, the loop sleeps, and it
 * spins again only once a sleep turned out shorter than the spin would have been. Under moderate load
 * (messages further apart than the spin) or when the milter is slow (GNU mailfromd takes hundreds of
 * microseconds per reply), the loop therefore sleeps at once, as Netty's default strategy does, and
 * leaves the CPU to the milter. Saturated, the loop always has work and never spins either.
 *
 * <p>Tasks submitted from other threads are seen by the next poll (their wake-up event is a
 * readable eventfd), and a timer due during the spin fires at most one spin late. One instance per
 * event loop: its state is the loop's own.
 */
final class SpinThenSleepStrategy implements SelectStrategy {

    private final long spinNanos;
    /** Whether the next idle moment spins (false after a fruitless spin, until a short sleep). */
    private boolean spinning = true;
    /** When the loop last went to sleep, or -1 while it has not slept since the last check. */
    private long sleptAt = -1;

    SpinThenSleepStrategy(long spinNanos) {
        if (spinNanos <= 0) {
            throw new IllegalArgumentException("spinNanos: " + spinNanos + " (expected: > 0)");
        }
        this.spinNanos = spinNanos;
    }

    @Override
    public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
        if (hasTasks) {
            return selectSupplier.get(); // work is waiting: poll once, never block
        }
        long now = System.nanoTime();
        if (sleptAt >= 0) {
            // the last sleep (plus the work it woke up for) was short: a spin would have caught it
            spinning = now - sleptAt < spinNanos;
            sleptAt = -1;
        }
        if (spinning) {
            long deadline = now + spinNanos;
            do {
                int ready = selectSupplier.get();
                if (ready > 0) {
                    return ready;
                }
                Thread.onSpinWait();
            } while (System.nanoTime() - deadline < 0);
            spinning = false;
        }
        sleptAt = System.nanoTime();
        return SelectStrategy.SELECT;
    }

    /** Whether the next idle moment spins (for tests). */
    boolean spinsNext() {
        return spinning;
    }
}
