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
     * @param bodyMacros macros for end of message, sent before every body chunk as Postfix does
     * @param eomMacros macros for end of message, or null when this is not the end of the message
     */
    static CompletionStage<LegVerdict> deliver(MilterLeg leg, List<MessageEvent> events, Supplier<MilterMacros> eohMacros,
                                               Supplier<MilterMacros> bodyMacros, Supplier<MilterMacros> eomMacros) {
        CompletionStage<LegVerdict> chain = CompletableFuture.completedFuture(LegVerdict.CONTINUE);
        for (MessageEvent event : events) {
            chain = chain.thenCompose(previous -> previous.kind() != LegVerdict.Kind.CONTINUE
                    ? CompletableFuture.completedFuture(previous) : send(leg, event, eohMacros, bodyMacros));
        }
        if (eomMacros != null) {
            chain = chain.thenCompose(previous -> previous.kind() != LegVerdict.Kind.CONTINUE
                    ? CompletableFuture.completedFuture(previous) : leg.endOfMessage(eomMacros.get()));
        }
        return chain;
    }

    private static CompletionStage<LegVerdict> send(MilterLeg leg, MessageEvent event, Supplier<MilterMacros> eohMacros,
                                                    Supplier<MilterMacros> bodyMacros) {
        // Postfix sends the end-of-headers macros before every header and the end-of-message ones
        // before every body chunk (a milter listing i there sees it with each)
        if (event instanceof MessageEvent.Header header) {
            return leg.header(eohMacros.get(), header.name(), header.value());
        } else if (event instanceof MessageEvent.EndOfHeaders) {
            return leg.endOfHeaders(eohMacros.get());
        } else {
            return leg.body(bodyMacros.get(), ((MessageEvent.BodyChunk) event).content().retainedDuplicate());
        }
    }

    /** Releases the body chunks of {@code events} still held (those no leg took). */
    static void releaseBodies(List<MessageEvent> events) {
        for (MessageEvent event : events) {
            if (event instanceof MessageEvent.BodyChunk body && body.content().refCnt() > 0) {
                body.content().release();
            }
        }
    }
}
