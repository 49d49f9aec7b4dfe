package org.pmult.sim.load;

import java.util.concurrent.CompletableFuture;

/** Runs whole load transactions against one target, without blocking and without a thread per session. */
interface TransactionDriver extends AutoCloseable {

    /**
     * Runs one session's transaction.
     *
     * @param slot     the concurrency slot running it (0..sessions-1)
     * @param sequence a number unique within the run
     * @return completes with the outcome; never exceptionally
     */
    CompletableFuture<TransactionOutcome> run(int slot, long sequence);

    @Override
    void close();
}
