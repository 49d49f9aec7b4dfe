package org.pmult.pmilter.server;

/** Why a session on a pmilter connection ended. */
public enum CloseReason {
    /** smtps sent CLOSE: the SMTP session ended normally. */
    CLOSE_COMMAND,
    /** The pmilter connection closed (by smtps, by pmult, or an I/O error) while the session was live. */
    CONNECTION_CLOSED,
    /** pmult closed the connection because smtps sent a malformed message. */
    PROTOCOL_ERROR
}
