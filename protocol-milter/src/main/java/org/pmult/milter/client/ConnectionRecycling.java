package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCommand;

import java.time.Duration;

/**
 * Carrying the next SMTP session on the same connection (SMFIC_QUIT_NC): whether the filter would
 * take it now, and what the first events on a kept connection mean — a close right after QUIT_NC is
 * a filter that does not support reuse, and silence to the next CONNECT is one that dropped both.
 * Touched only on the session's event loop, except {@link #reused()}.
 */
final class ConnectionRecycling {

    /** Whether the filter would take SMFIC_QUIT_NC now (libmilter's rule). */
    private final QuitNcAcceptance quitNcAcceptance = new QuitNcAcceptance();
    /** SMFIC_QUIT_NC was the last thing sent: a close now means the filter refuses connection reuse. */
    private boolean quitNcSent;
    /** This connection served an earlier SMTP session (it was kept after SMFIC_QUIT_NC). */
    private volatile boolean reused;
    /** Kept after SMFIC_QUIT_NC and the next CONNECT not answered yet: silence means the filter dropped both. */
    private boolean keptAwaitingConnectReply;

    /** How long the first CONNECT on a kept connection may go unanswered: half the read timeout. */
    static Duration keptConnectTimeout(Duration readTimeout) {
        return readTimeout.dividedBy(2).isZero() ? readTimeout : readTimeout.dividedBy(2);
    }

    /** The command of a step of {@code stage} goes out (once per step, not per body chunk). */
    void stepSent(MilterStage stage) {
        quitNcAcceptance.sent(stage);
    }

    /** {@code command} is being written to the filter. */
    void writing(MilterCommand command) {
        quitNcSent = command == MilterCommand.QUIT_NEW_CONNECTION;
    }

    /** The filter answered the command of {@code stage} with {@code verdict}. */
    void answered(MilterStage stage, MilterVerdict verdict) {
        quitNcAcceptance.answered(stage, verdict);
        keptAwaitingConnectReply = false;
    }

    /**
     * Whether the connection can carry another SMTP session: QUIT_NC exists (v6) and the session
     * never started, or it is between transactions where libmilter takes QUIT_NC ({@link
     * QuitNcAcceptance}). Mid-message, or after a verdict for the whole connection, the filter's
     * state is not one a new session may inherit.
     */
    boolean canKeep(MilterClientState state, NegotiatedOptions options) {
        return switch (state) {
            case READY -> options.version() >= Command.QUIT_NC.sinceVersion();
            case ENVELOPE -> options.version() >= Command.QUIT_NC.sinceVersion() && quitNcAcceptance.takesQuitNc();
            case NEW, CONNECTING, NEGOTIATING, MESSAGE, SKIPPING_BODY, ACCEPT_MESSAGE, ACCEPT_CONNECTION,
                 REJECT_CONNECTION, ERROR, CLOSED -> false;
        };
    }

    /** SMFIC_QUIT_NC is being sent: the connection serves the next session. */
    void kept() {
        reused = true;
        keptAwaitingConnectReply = true;
    }

    /** Whether this connection served an earlier SMTP session. */
    boolean reused() {
        return reused;
    }

    /** Whether the reply to {@code stage} is the first CONNECT reply on a kept connection. */
    boolean awaitsFirstConnectReply(MilterStage stage) {
        return stage == MilterStage.CONNECT && keptAwaitingConnectReply;
    }

    /** Why an idle connection closed: pmult shutting down, the filter refusing reuse, or the filter's own choice. */
    static String idleCloseReason(boolean shuttingDown, boolean reuseRefused) {
        if (shuttingDown) {
            return "idle connection closed as pmult shuts down"; // by us, not by the filter
        }
        return reuseRefused ? "closed the connection after SMFIC_QUIT_NC: the filter does not support connection reuse"
                : "closed the idle connection";
    }

    /** Whether SMFIC_QUIT_NC was the last command sent. */
    boolean quitNcWasLast() {
        return quitNcSent;
    }
}
