package org.pmult.server.session;

/** Whether a session's leg is still consulted. */
enum LegStanding {
    ACTIVE,
    /** Accepted the current message; consulted again from the next transaction. */
    ACCEPTED_MESSAGE,
    /** Accepted the whole session, or failed with an accept default: never consulted again. */
    RELEASED,
    /** Failed with a continue default (others decide): never consulted again, and it accepted nothing. */
    IGNORED
}
