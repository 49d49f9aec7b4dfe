package org.pmult.milter.client;

import java.util.Objects;

/** Why a session gave up on its filter: what kind of failure, at which stage, in words for the log. */
public record MilterFailure(Kind kind, MilterStage stage, String message) {

    /** The failure families pmult counts separately. */
    public enum Kind {
        /** The socket could not be connected (refused, unreachable, connect timeout). */
        CONNECT,
        /** No reply, or a write that did not complete, within its timeout. */
        TIMEOUT,
        /** The filter closed the connection, or it broke (reset, write error). */
        CLOSED,
        /** The filter broke the protocol: bad packet, unexpected reply, failed negotiation. */
        PROTOCOL
    }

    public MilterFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(message, "message");
    }
}
