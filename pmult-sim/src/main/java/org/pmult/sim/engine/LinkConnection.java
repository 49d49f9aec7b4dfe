package org.pmult.sim.engine;

import java.util.Objects;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterResponse;

/**
 * A negotiated connection to the pmilter: what it asked for (stages, macros) travels with it.
 *
 * @param generation 1 for the first connection of a simulator, then counting reconnects
 */
record LinkConnection(PmilterClientConnection connection, PmilterResponse.NegotiateReply negotiated, int generation) {

    LinkConnection {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(negotiated, "negotiated");
    }

    /** Whether smtps sends {@code command} on this connection; ABORT and CLOSE have no stage bit and always go. */
    boolean wants(Command command) {
        Capability stage = stageBit(command);
        return stage == null || stage.isSetIn(negotiated.caps());
    }

    /** The CAPS bit that switches {@code command} on, or {@code null} for commands that are always sent. */
    static Capability stageBit(Command command) {
        return switch (command) {
            case CONNECT -> Capability.CONNECT;
            case EHLO -> Capability.EHLO;
            case MAIL -> Capability.MAIL;
            case RCPT -> Capability.RCPT;
            case DATA -> Capability.DATA;
            case MSG -> Capability.MSG;
            case DOT -> Capability.DOT;
            case UNKNOWN -> Capability.UNKNOWN;
            case ABORT, CLOSE, NEGOTIATE, PING -> null;
        };
    }
}
