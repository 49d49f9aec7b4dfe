package org.pmult.pmilter.client;

import java.io.IOException;

/** The pmilter connection closed (or was never open) before the reply to a command arrived. */
public final class PmilterConnectionClosedException extends IOException {

    private static final long serialVersionUID = 1L;

    PmilterConnectionClosedException(String message) {
        super(message);
    }
}
