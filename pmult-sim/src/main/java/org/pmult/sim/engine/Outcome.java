package org.pmult.sim.engine;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.pmult.pmilter.client.PmilterConnectionClosedException;
import org.pmult.pmilter.client.PmilterProtocolException;
import org.pmult.pmilter.client.PmilterReplyTimeoutException;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;

/** What came of offering one command to the pmilter: its reply, a reason it was not sent, or a failure. */
sealed interface Outcome permits Outcome.Replied, Outcome.NotSent, Outcome.Failed {

    /** The pmilter answered (possibly ERROR, or something the command does not allow; judged later). */
    record Replied(PmilterResponse.Reply reply) implements Outcome {
    }

    /** Not sent; smtps went on with {@code code}. */
    record NotSent(ReplySource source, ReplyCode code, String text) implements Outcome {
    }

    /** No usable reply. */
    record Failed(PmilterFailure failure, String detail) implements Outcome {
    }

    /** Sends {@code request} on {@code connection}; completes with the reply or the failure, never exceptionally
     * for a pmilter problem (only for a bug). */
    static CompletableFuture<Outcome> send(LinkConnection connection, PmilterRequest.SessionRequest request) {
        return connection.connection().send(request).handle((reply, error) -> error == null
                ? new Replied(reply) : failed(error));
    }

    /** Classifies an error from the connection or the link; anything else is a bug and is rethrown. */
    static Failed failed(Throwable error) {
        Throwable cause = PolicyMilterLink.unwrap(error);
        PmilterFailure kind;
        if (cause instanceof LinkException linkFailure) {
            kind = linkFailure.failure();
        } else if (cause instanceof PmilterReplyTimeoutException) {
            kind = PmilterFailure.TIMEOUT;
        } else if (cause instanceof PmilterConnectionClosedException || cause instanceof IOException) {
            kind = PmilterFailure.CONNECTION_LOST;
        } else if (cause instanceof PmilterProtocolException) {
            kind = PmilterFailure.PROTOCOL_VIOLATION;
        } else {
            throw new CompletionException(cause);
        }
        return new Failed(kind, cause.getMessage());
    }
}
