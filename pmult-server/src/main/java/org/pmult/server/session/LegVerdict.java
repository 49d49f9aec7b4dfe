package org.pmult.server.session;

import org.pmult.pmilter.codec.PmilterModification;

import java.util.List;

/**
 * One milter's answer to one step, normalised for combining: what it decided, the SMTP reply text
 * it gave (or null for the default), the modifications it asked for at end of message, and whether
 * it is the client's configured default action standing in for a milter that failed.
 */
public record LegVerdict(Kind kind, String text, List<PmilterModification> modifications, boolean defaultAction) {

    /** What a milter can decide at a step. */
    public enum Kind {
        CONTINUE,
        /** Accept: no further steps to this milter for the message (or, before MAIL, the session). */
        ACCEPT,
        REJECT,
        TEMPFAIL,
        DISCARD,
        /** Close the SMTP session with 421. */
        SHUTDOWN
    }

    public static final LegVerdict CONTINUE = new LegVerdict(Kind.CONTINUE, null, List.of(), false);
    public static final LegVerdict ACCEPT = new LegVerdict(Kind.ACCEPT, null, List.of(), false);

    public LegVerdict {
        modifications = List.copyOf(modifications);
    }

    public static LegVerdict of(Kind kind) {
        return switch (kind) {
            case CONTINUE -> CONTINUE;
            case ACCEPT -> ACCEPT;
            default -> new LegVerdict(kind, null, List.of(), false);
        };
    }

    public static LegVerdict withText(Kind kind, String text) {
        return new LegVerdict(kind, text, List.of(), false);
    }

    /** Whether this verdict ends the step for the whole session (the first such, in client order, wins). */
    public boolean decides() {
        return switch (kind) {
            case REJECT, TEMPFAIL, DISCARD, SHUTDOWN -> true;
            case CONTINUE, ACCEPT -> false;
        };
    }
}
