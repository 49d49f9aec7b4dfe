package org.pmult.pmilter.client;

/** The pmilter sent a well-formed reply that does not fit the command it answers. */
public final class PmilterProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PmilterProtocolException(String message) {
        super(message);
    }
}
