package org.pmult.server.transport;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

/**
 * An event loop's select strategy that polls its sockets without blocking for up to a fixed time
 * once it runs out of work, and only then lets the loop sleep in {@code epoll_wait}. A message that
 * arrives during the spin is handled without the thread being woken up by the kernel.
 *
 * <p>Netty's own busy-wait strategy never sleeps; this one always does after the spin, so an idle
 * pmult costs no CPU. Tasks submitted from other threads are seen by the next poll (their wake-up
 * event is a readable eventfd), and a timer due during the spin fires at most one spin late.
 */
final class SpinThenSleepStrategy implements SelectStrategy {

    private final long spinNanos;

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
        long deadline = System.nanoTime() + spinNanos;
        do {
            int ready = selectSupplier.get();
            if (ready > 0) {
                return ready;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return SelectStrategy.SELECT;
    }
}
