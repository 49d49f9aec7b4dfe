package org.pmult.sim.engine;

/** Where the verdict recorded for a command came from. */
public enum ReplySource {
    /** The pmilter's reply to this command. */
    PMILTER,
    /** The pmilter did not ask for this stage at negotiation; not sent, smtps went on as if CONTINUE. */
    NOT_REQUESTED,
    /**
     * An earlier reply settled it and the command was not sent: ACCEPT at CONNECT or EHLO (the rest of
     * the session), or ACCEPT/DISCARD from MAIL on, or a refused message chunk (the rest of the transaction).
     */
    ALREADY_DECIDED,
    /**
     * Made up by smtps's failure rule (§10.9) because this command timed out, got ERROR, broke
     * protocol, or the connection was lost or could not be made.
     */
    FAILURE_POLICY,
    /** An earlier failure under {@code accept_but_reconnect}: the session goes on unfiltered, as if CONTINUE. */
    UNFILTERED,
    /** smtps answered without asking the pmilter: the SMTP state made the command moot (RCPT with no transaction). */
    SMTP
}
