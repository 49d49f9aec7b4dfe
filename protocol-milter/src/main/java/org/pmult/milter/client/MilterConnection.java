package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCommand;

import java.time.Duration;

/**
 * What a {@link MilterProtocolEngine} asks of the connection under it: write this, expect a reply
 * within that, close. {@link NettyMilterConnection} does it on a socket; a test can record it.
 * Called on the session's event loop only.
 */
interface MilterConnection {

    /**
     * Write {@code command}, preceded by {@code macros} unless null, and flush (with whatever
     * {@link #writeUnanswered} handed over before it); report with
     * {@link MilterProtocolEngine#written} or {@link MilterProtocolEngine#writeFailed}.
     */
    void write(MilterStep step, MilterCommand.Macros macros, MilterCommand command);

    /**
     * Write {@code command} of {@code step}, which awaits no reply and ends now, preceded by
     * {@code macros} unless null, without flushing; report only a failure, with
     * {@link MilterProtocolEngine#unansweredWriteFailed}.
     */
    void writeUnanswered(MilterStep step, MilterCommand.Macros macros, MilterCommand command);

    /**
     * Flush what {@link #writeUnanswered} handed over, at the latest when the current event-loop task
     * ends; if it is not written within the write timeout, report
     * {@link MilterProtocolEngine#unansweredWriteFailed}.
     */
    void flush();

    /** Wait at most {@code timeout} for the reply to {@code step}, then report {@link MilterProtocolEngine#timedOut}. */
    void expectReply(MilterStep step, Duration timeout, String onExpiry);

    /** The outstanding write or reply arrived: stop its timer. */
    void cancelTimer();

    /** The negotiation succeeded: no further connection attempt. */
    void negotiated();

    /** The current attempt ended without a negotiation; try again within the connect timeout if {@code isTransient}. */
    void attemptFailed(MilterFailure.Kind kind, String message, boolean isTransient);

    /** Stop the timer and any connection attempt. */
    void stop();

    /** Stop everything and close the socket at once (the session failed). */
    void abandon();

    /** Close the socket, sending SMFIC_QUIT first if {@code sendQuit} and it is open; run {@code closed} once it is. */
    void quit(boolean sendQuit, Runnable closed);
}
