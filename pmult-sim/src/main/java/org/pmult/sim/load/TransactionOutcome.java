package org.pmult.sim.load;

/**
 * How one load transaction went.
 *
 * @param problem     {@code null} when every reply was CONTINUE (or ACCEPT at end of message), else a
 *                    short description of the first other outcome: the error kind counted in the report
 * @param waitedNanos the time the MTA side spent waiting for replies (think time excluded): with no
 *                    think time, the whole transaction from the first command to the end-of-message reply
 */
record TransactionOutcome(String problem, long waitedNanos) {

    static TransactionOutcome ok(long waitedNanos) {
        return new TransactionOutcome(null, waitedNanos);
    }

    static TransactionOutcome failed(String problem) {
        return new TransactionOutcome(problem, 0);
    }

    boolean succeeded() {
        return problem == null;
    }
}
