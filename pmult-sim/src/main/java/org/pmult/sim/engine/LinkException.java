package org.pmult.sim.engine;

/** The connection to the pmilter could not be made or negotiated; carries the failure kind. */
final class LinkException extends Exception {

    private static final long serialVersionUID = 1L;

    private final PmilterFailure failure;

    LinkException(PmilterFailure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    PmilterFailure failure() {
        return failure;
    }
}
