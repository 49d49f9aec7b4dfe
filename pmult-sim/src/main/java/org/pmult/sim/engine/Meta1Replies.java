package org.pmult.sim.engine;

/**
 * SMTP replies smtps gives on its own (not pmilter codes: those live in {@code PmilterCodes}). The
 * codes and enhanced codes of the failure replies are fixed by spec §10.9; the wording is ours.
 */
public final class Meta1Replies {

    /** Failure under {@code flags = { abort }}: the SMTP session ends. */
    public static final String FAILURE_ABORT = "421 4.3.0 Policy milter failed, closing connection";
    /** Failure with no flag: the command is refused temporarily and the session goes on. */
    public static final String FAILURE_TEMPFAIL = "451 4.3.0 Policy milter failed, try again later";
    /** RCPT, DATA, message or dot with no transaction (MAIL was refused, or the transaction already ended). */
    public static final String NEED_MAIL = "503 5.5.1 Need MAIL command first";
    /** Message content or dot when DATA was refused. */
    public static final String NEED_DATA = "503 5.5.1 Need DATA command first";
    /** DATA when every recipient was refused. */
    public static final String NO_VALID_RECIPIENTS = "554 5.5.1 No valid recipients";

    private Meta1Replies() {
    }
}
