package org.pmult.pmilter.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** The pmilter did not answer a command within the reply timeout. */
public final class PmilterReplyTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    private final String seid;
    private final String command;
    private final transient Duration timeout;

    PmilterReplyTimeoutException(Object peer, String seid, String command, Duration timeout) {
        super("pmilter " + peer + ": " + (seid == null ? "" : "session " + seid + ": ") + "no reply to " + command
                + " within " + timeout.toMillis() + " ms");
        this.seid = seid;
        this.command = command;
        this.timeout = timeout;
    }

    /** The session, or {@code null} for NEGOTIATE and PING. */
    public String seid() {
        return seid;
    }

    /** The command that went unanswered, e.g. {@code RCPT}. */
    public String command() {
        return command;
    }

    public Duration timeout() {
        return timeout;
    }
}
