package org.pmult.milter.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the outside hears about one Milter client connection: its log lines about replies, failures
 * and attempts, and the calls to the settings' {@link MilterClientObserver} — an observer that
 * throws is logged, never allowed to break the session.
 */
final class MilterClientReporter {

    private static final Logger LOG = LoggerFactory.getLogger(MilterClientSession.class);

    private final String peer;
    private final MilterClientSettings settings;

    MilterClientReporter(String peer, MilterClientSettings settings) {
        this.peer = peer;
        this.settings = settings;
    }

    /** The negotiation succeeded, {@code latencyNanos} after SMFIC_OPTNEG was sent. */
    void negotiated(NegotiatedOptions options, long latencyNanos) {
        LOG.debug("{}: negotiated {}", peer, options);
        notifyObserver(() -> {
            settings.observer().onReply(MilterStage.NEGOTIATE, MilterVerdict.CONTINUE, latencyNanos);
            settings.observer().onNegotiated(options);
        });
    }

    /** The filter answered {@code step} with {@code verdict}. */
    void answered(MilterStep step, MilterVerdict verdict, long latencyNanos) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} answered {} in {} us", peer, step.commandName(), verdict, latencyNanos / 1000);
        }
        notifyObserver(() -> settings.observer().onReply(step.stage, verdict, latencyNanos));
    }

    /** A connection attempt ended without a negotiation; {@code failures} so far. */
    void attemptFailed(String message, boolean retrying, int failures) {
        notifyObserver(() -> settings.observer().onConnectAttemptFailed(message, retrying));
        if (retrying) {
            LOG.debug("{}: {}; trying again (attempt {} failed)", peer, message, failures);
        }
    }

    /**
     * The connection is given up; {@code quietly} when nobody waits for an answer or it is not the
     * filter failing a session, else it is a warning that the default action applies.
     */
    void givingUp(String message, boolean quietly) {
        if (quietly) {
            LOG.debug("{}: {}; closing the connection", peer, message);
        } else {
            LOG.warn("{}: {}; applying default action {}", peer, message, settings.defaultAction().configName());
        }
    }

    /** The session failed at {@code stage}. */
    void failed(MilterStage stage, MilterFailure.Kind kind, String message) {
        notifyObserver(() -> settings.observer().onFailure(stage, kind, message));
    }

    /** The filter closed a connection no session used; {@code reuseRefused}: right after SMFIC_QUIT_NC. */
    void closedWhileIdle(String message, boolean reuseRefused) {
        if (reuseRefused) {
            notifyObserver(() -> settings.observer().onReuseRefused());
        }
        LOG.debug("{}: {}", peer, message);
    }

    /** The filter closed the connection after it accepted or rejected the whole connection: nothing lost. */
    void closedAfterConnectionVerdict() {
        LOG.debug("{}: connection closed after the milter decided for the whole connection", peer);
    }

    /** A session that asked to keep the connection ends with SMFIC_QUIT: libmilter would drop QUIT_NC here. */
    void quitInsteadOfQuitNc() {
        LOG.debug("{}: ending with SMFIC_QUIT: libmilter takes SMFIC_QUIT_NC only after end of"
                + " message answered CONTINUE or after an unknown command", peer);
    }

    /** SMFIC_QUIT_NC goes out: the connection serves the next session. */
    void keepingConnection() {
        LOG.debug("{}: sending SMFIC_QUIT_NC, keeping the connection", peer);
    }

    /** The first CONNECT on a kept connection went unanswered: the filter dropped SMFIC_QUIT_NC and it. */
    void keptConnectionUnanswered(String message) {
        LOG.info("{}: {} on a connection kept after SMFIC_QUIT_NC: the filter dropped both; closing it",
                peer, message);
        notifyObserver(() -> settings.observer().onKeptConnectionUnanswered());
    }

    private void notifyObserver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.error("{}: the observer failed", peer, e);
        }
    }
}
