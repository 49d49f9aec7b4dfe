package org.pmult.pmilter.server;

import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;

/**
 * A session handler the test drives: it records each command and hands back a future the test
 * completes; it records every close. A MSG chunk is released on arrival.
 */
final class ScriptedSession implements PmilterSessionHandler {

    final String seid;
    final List<PmilterRequest.SessionRequest> requests = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<PmilterResponse.Reply>> replies = new CopyOnWriteArrayList<>();
    final List<CloseReason> closes = new CopyOnWriteArrayList<>();

    ScriptedSession(String seid) {
        this.seid = seid;
    }

    @Override
    public CompletionStage<PmilterResponse.Reply> handle(PmilterRequest.SessionRequest request) {
        if (request instanceof PmilterRequest.Msg msg) {
            requests.add(new PmilterRequest.Msg(msg.seid(), io.netty.buffer.Unpooled.copiedBuffer(msg.chunk())));
            ReferenceCountUtil.release(msg);
        } else {
            requests.add(request);
        }
        CompletableFuture<PmilterResponse.Reply> reply = new CompletableFuture<>();
        replies.add(reply);
        return reply;
    }

    @Override
    public void closed(CloseReason reason) {
        closes.add(reason);
    }

    /** Completes the latest outstanding command with {@code reply}. */
    void answer(PmilterResponse.Reply reply) {
        replies.get(replies.size() - 1).complete(reply);
    }

    PmilterRequest.SessionRequest lastRequest() {
        return requests.get(requests.size() - 1);
    }
}
