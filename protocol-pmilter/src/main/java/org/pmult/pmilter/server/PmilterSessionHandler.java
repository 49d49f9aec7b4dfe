package org.pmult.pmilter.server;

import java.util.concurrent.CompletionStage;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;

/**
 * Handles the commands of one SMTP session (one SEID) on a pmilter connection. Every method is called
 * on the connection's event loop and must not block; the returned stage may complete on any thread.
 */
public interface PmilterSessionHandler {

    /**
     * Handles CONNECT (first), then EHLO, MAIL, RCPT, DATA, MSG, DOT, ABORT or UNKNOWN, one at a time:
     * the next command arrives only after this one's reply was written. CLOSE is not delivered here
     * but as {@link #closed(CloseReason)}. A MSG's chunk is owned by the handler, which must release it.
     *
     * @return the reply, with this session's SEID; modifications only in the reply to DOT. A failed
     *         stage, or an invalid reply, is answered with RCODE ERROR.
     */
    CompletionStage<PmilterResponse.Reply> handle(PmilterRequest.SessionRequest request);

    /**
     * The session is over: called exactly once per handler, after which no command arrives, and a
     * reply still outstanding is dropped. Release everything the session holds (downstream Milter
     * sessions, buffers).
     */
    void closed(CloseReason reason);
}
