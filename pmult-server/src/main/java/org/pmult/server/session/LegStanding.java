package org.pmult.server.session;

/** Whether a session's leg is still consulted. */
enum LegStanding {
    ACTIVE,
    /** Accepted the current message; consulted again from the next transaction. */
    ACCEPTED_MESSAGE,
    /** Accepted the whole session, or failed with an accept default: never consulted again. */
    RELEASED,
    /** Failed with a continue default (others decide): never consulted again, and it accepted nothing. */
    IGNORED,
    /** Its condition was false at CONNECT or HELO: it sees nothing more of the session, and decides nothing. */
    SKIPPED_SESSION,
    /** Its condition was false in this transaction: it got ABORT, and is consulted again from the next one. */
    SKIPPED_MESSAGE
}
