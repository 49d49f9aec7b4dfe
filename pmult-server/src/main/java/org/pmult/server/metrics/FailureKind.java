package org.pmult.server.metrics;

import java.util.Locale;

/** Why a Milter client conversation failed, as values of the {@code kind} tag. */
public enum FailureKind {
    /** The socket could not be connected (refused, unreachable, or the connect timeout expired). */
    CONNECT,
    /** A reply did not arrive within its timeout; recorded through {@code ClientMeters.timeout(stage)}. */
    TIMEOUT,
    /** The Milter closed the connection while pmult still expected something from it. */
    CLOSED,
    /** The Milter sent something the protocol does not allow (bad frame, unexpected reply). */
    PROTOCOL;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The value of the {@code kind} tag, e.g. {@code "timeout"}. */
    public String tag() {
        return tag;
    }
}
