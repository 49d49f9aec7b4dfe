package org.pmult.sim.engine;

import java.util.concurrent.CompletableFuture;

/**
 * What came of offering one command to the pmilter, whether it came over a connection the session was
 * just replayed on, and when asking started.
 */
record Asked(Outcome outcome, boolean resynchronised, long startNanos) {

    static CompletableFuture<Asked> completed(Outcome outcome, boolean resynchronised, long startNanos) {
        return CompletableFuture.completedFuture(new Asked(outcome, resynchronised, startNanos));
    }
}
