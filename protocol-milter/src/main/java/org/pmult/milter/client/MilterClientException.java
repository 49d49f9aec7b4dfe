package org.pmult.milter.client;

/** Fails {@link MilterClientSession#negotiation()} when the filter could not be reached or negotiated with. */
public final class MilterClientException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient MilterFailure failure;

    public MilterClientException(MilterFailure failure) {
        super(failure.message(), null, false, false);
        this.failure = failure;
    }

    public MilterFailure failure() {
        return failure;
    }
}
