package org.pmult.server.session;

import org.pmult.milter.codec.MilterMacros;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Sends one MSG chunk's message steps (and, at DOT, end of message) to one leg: each step only after
 * the previous one continued, so a leg that refused or accepted at a header gets nothing more of the
 * message. The legs themselves take their turn through {@link LegSeries}.
 */
final class MessageDelivery {

    private MessageDelivery() {
    }

    /**
     * @param eohMacros macros for end of headers (asked for only when that step comes)
     * @param eomMacros macros for end of message, or null when this is not the end of the message
     */
    static CompletionStage<LegVerdict> deliver(MilterLeg leg, List<MessageEvent> events, Supplier<MilterMacros> eohMacros,
                                               Supplier<MilterMacros> eomMacros) {
        CompletionStage<LegVerdict> chain = CompletableFuture.completedFuture(LegVerdict.CONTINUE);
        for (MessageEvent event : events) {
            chain = chain.thenCompose(previous -> previous.kind() != LegVerdict.Kind.CONTINUE
                    ? CompletableFuture.completedFuture(previous) : send(leg, event, eohMacros));
        }
        if (eomMacros != null) {
            chain = chain.thenCompose(previous -> previous.kind() != LegVerdict.Kind.CONTINUE
                    ? CompletableFuture.completedFuture(previous) : leg.endOfMessage(eomMacros.get()));
        }
        return chain;
    }

    private static CompletionStage<LegVerdict> send(MilterLeg leg, MessageEvent event, Supplier<MilterMacros> eohMacros) {
        if (event instanceof MessageEvent.Header header) {
            return leg.header(header.name(), header.value());
        } else if (event instanceof MessageEvent.EndOfHeaders) {
            return leg.endOfHeaders(eohMacros.get());
        } else {
            return leg.body(((MessageEvent.BodyChunk) event).content().retainedDuplicate());
        }
    }
}
