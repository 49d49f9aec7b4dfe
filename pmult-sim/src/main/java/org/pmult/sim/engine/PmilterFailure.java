package org.pmult.sim.engine;

/** Why smtps could not get a usable reply to a command; each triggers the failure rule of §10.9. */
public enum PmilterFailure {
    /** No reply within {@code policy_milter.timeout}. */
    TIMEOUT,
    /** The pmilter answered RCODE ERROR. */
    ERROR_REPLY,
    /** The connection closed before the reply came (or was already closed). */
    CONNECTION_LOST,
    /** Could not connect to the pmilter, or negotiation failed. */
    CONNECT_FAILED,
    /**
     * The reply does not fit the command (DISCARD before MAIL, modifications outside DOT or of a kind
     * smtps did not offer, a negotiation asking for stages not offered).
     */
    PROTOCOL_VIOLATION
}
