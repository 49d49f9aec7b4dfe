package org.pmult.pmilter.codec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;

/** A message the pmilter sends back to smtps (§10.4). Records are immutable and check their arguments. */
public sealed interface PmilterResponse
        permits PmilterResponse.NegotiateReply, PmilterResponse.Reply, PmilterResponse.PingReply,
        PmilterResponse.UnknownReply {

    /**
     * NEGOTIATE_REPLY: the stages the pmilter wants (a subset of the offer), how many sessions it
     * accepts per connection (0 = no limit), and per stage the macros it wants, at most
     * {@link PmilterCodes#MAX_MACROS_PER_STAGE} each, in wire order.
     */
    record NegotiateReply(int caps, int maxSessions, Map<Stage, List<Macro>> macroRequests)
            implements PmilterResponse {
        public NegotiateReply {
            Checks.nonNegative("MAXSESS", maxSessions);
            Objects.requireNonNull(macroRequests, "macroRequests");
            Map<Stage, List<Macro>> copy = new LinkedHashMap<>();
            macroRequests.forEach((stage, macros) -> {
                Objects.requireNonNull(stage, "stage");
                List<Macro> list = List.copyOf(macros);
                if (list.size() > PmilterCodes.MAX_MACROS_PER_STAGE) {
                    throw new IllegalArgumentException("MACID entries for stage " + stage + ": " + list.size()
                            + " (expected: <= " + PmilterCodes.MAX_MACROS_PER_STAGE + ")");
                }
                copy.put(stage, list);
            });
            macroRequests = Collections.unmodifiableMap(copy);
        }

        /** A reply that asks for no macros. */
        public NegotiateReply(int caps, int maxSessions) {
            this(caps, maxSessions, Map.of());
        }

        /** The macros wanted at {@code stage}, empty if none. */
        public List<Macro> macrosAt(Stage stage) {
            return macroRequests.getOrDefault(stage, List.of());
        }

        @Override
        public String toString() {
            return "NegotiateReply[caps=" + PmilterCodes.Capability.describe(caps) + ", maxSessions=" + maxSessions
                    + ", macroRequests=" + macroRequests + "]";
        }
    }

    /**
     * REPLY to a session command.
     *
     * @param text          full SMTP reply (lines joined by CRLF), or {@code null} for smtps' default;
     *                      must be 4xx for TEMPFAIL/SHUTDOWN and 5xx for REJECT
     * @param modifications MOD groups; only in the reply to DOT
     */
    record Reply(String seid, ReplyCode code, String text, List<PmilterModification> modifications)
            implements PmilterResponse {
        public Reply {
            Checks.seid(seid);
            Objects.requireNonNull(code, "code");
            Checks.replyText(code, text);
            modifications = List.copyOf(modifications);
        }

        /** A reply without text or modifications. */
        public Reply(String seid, ReplyCode code) {
            this(seid, code, null, List.of());
        }

        /** A reply with an SMTP text and no modifications. */
        public Reply(String seid, ReplyCode code, String text) {
            this(seid, code, text, List.of());
        }
    }

    /** The REPLY to PING: RCODE CONTINUE and no SEID. */
    record PingReply() implements PmilterResponse {
    }

    /**
     * A CMD value this profile does not know as a reply; the client logs and ignores it.
     *
     * @param code the CMD value as an unsigned 32-bit number
     * @param seid the SEID if the third entry was one, else {@code null}
     */
    record UnknownReply(long code, String seid) implements PmilterResponse {
        public UnknownReply {
            if (code < 0 || code > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("CMD: " + code + " (expected: 0..4294967295)");
            }
            if (seid != null) {
                Checks.seid(seid);
            }
        }
    }
}
