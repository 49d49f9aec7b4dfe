package org.pmult.milter.client;

/**
 * Hooks for metrics and logs outside this module (pmult records latency histograms and failure
 * counters per client here). Called on the session's event loop: return quickly, never block.
 */
public interface MilterClientObserver {

    /** Does nothing. */
    MilterClientObserver NONE = new MilterClientObserver() {
    };

    /** Negotiation finished. */
    default void onNegotiated(NegotiatedOptions options) {
    }

    /** The filter answered {@code stage} with {@code verdict}, {@code latencyNanos} after the command was sent. */
    default void onReply(MilterStage stage, MilterVerdict verdict, long latencyNanos) {
    }

    /**
     * One connection attempt ended without a negotiation (refused, backlog full, closed before the
     * option negotiation was answered, a bad negotiation reply); {@code retrying} when the session
     * tries again within its connect timeout. {@link #onFailure} follows only when it does not.
     */
    default void onConnectAttemptFailed(String message, boolean retrying) {
    }

    /** The session failed at {@code stage} and now answers with its default action. */
    default void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
    }

    /**
     * The filter closed the connection right after SMFIC_QUIT_NC, before any other command: it does
     * not support connection reuse (GNU mailfromd 8.15 answers "unknown command: K" and hangs up).
     * No session was affected.
     */
    default void onReuseRefused() {
    }

    /**
     * A connection kept after SMFIC_QUIT_NC did not answer the next CONNECT within half the read
     * timeout: the filter dropped QUIT_NC and that CONNECT without a word (what libmilter does where
     * its state table refuses QUIT_NC). The connection is closed; the session may go on on a new one.
     */
    default void onKeptConnectionUnanswered() {
    }
}
