package org.pmult.server.upstream;

import org.pmult.server.config.ClientInstances.Balance;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntPredicate;

/**
 * Picks the instance of a client a new session goes to: among those usable now, the one with the
 * fewest sessions open ({@link Balance#LEAST_OUTSTANDING}, ties broken in turn) or the next in turn
 * ({@link Balance#ROUND_ROBIN}); the others follow, in the same order, as failover candidates.
 * Thread-safe: sessions on every event loop share it.
 */
final class InstanceBalancer {

    private final Balance balance;
    private final int size;
    private final AtomicIntegerArray outstanding;
    private final AtomicInteger turn = new AtomicInteger();

    InstanceBalancer(Balance balance, int size) {
        this.balance = balance;
        this.size = size;
        this.outstanding = new AtomicIntegerArray(size);
    }

    /**
     * The indexes of the instances {@code usable} says a new session may try, best first; empty when
     * none is.
     */
    List<Integer> candidates(IntPredicate usable) {
        int start = Math.floorMod(turn.getAndIncrement(), size);
        List<Integer> order = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int index = (start + i) % size;
            if (usable.test(index)) {
                order.add(index);
            }
        }
        if (balance == Balance.LEAST_OUTSTANDING && order.size() > 1) {
            // stable: among equally loaded instances the rotation above decides
            order.sort((a, b) -> Integer.compare(outstanding.get(a), outstanding.get(b)));
        }
        return order;
    }

    /** A session now runs on instance {@code index}. */
    void taken(int index) {
        outstanding.incrementAndGet(index);
    }

    /** A session on instance {@code index} ended (or moved on to another instance). */
    void released(int index) {
        outstanding.decrementAndGet(index);
    }

    /** Sessions open on instance {@code index} now. */
    int outstanding(int index) {
        return outstanding.get(index);
    }
}
