package org.pmult.sim.engine;

/** How an SMTP session ended. */
public enum SessionEnd {
    /** The scenario ran to its last step (close). */
    COMPLETED,
    /** The pmilter refused the session at CONNECT (REJECT or TEMPFAIL); smtps closed it. */
    REFUSED_AT_CONNECT,
    /** The pmilter answered SHUTDOWN: smtps said 421 and closed the session. */
    SHUTDOWN,
    /** A failure under {@code flags = { abort }}: smtps said 421 4.3.0 and dropped the pmilter connection. */
    ABORTED_BY_FAILURE_POLICY
}
