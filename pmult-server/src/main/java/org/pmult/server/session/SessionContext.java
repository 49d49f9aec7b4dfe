package org.pmult.server.session;

import io.netty.util.concurrent.EventExecutor;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.metrics.PmultMetrics;

/**
 * What every session on one pmilter connection shares: the macro plan in force when the connection
 * negotiated, the modification kinds smtps offered, the event loop all of it runs on, and metrics.
 *
 * @param plan           macro plan, one entry per client in client order
 * @param offeredCaps    the CAPS smtps offered in NEGOTIATE (which MOD kinds it can apply)
 * @param maxHeaderBytes bound on a message's header block
 * @param eventLoop      the connection's event loop; every session step runs here
 * @param metrics        meters, or null when metrics are off (tests)
 * @param listener       told when a session opens and closes (live-session count for graceful shutdown)
 * @param maxReplyLength largest pmilter message smtps accepts (limits.max-frame-length): a DOT reply
 *                       whose changes would not fit is tempfailed instead of being sent
 */
public record SessionContext(MacroPlan plan, int offeredCaps, int maxHeaderBytes, EventExecutor eventLoop,
                             PmultMetrics metrics, SessionListener listener, int maxReplyLength) {

    /** Hears about sessions opening and closing; called on the event loop. */
    public interface SessionListener {
        SessionListener NONE = new SessionListener() {
            @Override
            public void opened() {
            }

            @Override
            public void closed() {
            }
        };

        void opened();

        void closed();
    }

    /** A context without metrics or listener (tests, tools), replies bounded at the profile's default. */
    public SessionContext(MacroPlan plan, int offeredCaps, int maxHeaderBytes, EventExecutor eventLoop, PmultMetrics metrics) {
        this(plan, offeredCaps, maxHeaderBytes, eventLoop, metrics, SessionListener.NONE,
                PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }
}
