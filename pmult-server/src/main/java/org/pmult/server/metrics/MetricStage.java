package org.pmult.server.metrics;

import java.util.Locale;

/**
 * The project's stage vocabulary (STYLE.md) as metric tag values. Callers map their protocol's own
 * stage enums onto these once (MeTA1's EHLO is {@link #HELO}, its MSG chunks {@link #BODY}, its DOT
 * {@link #EOM}); the protocol modules' enums are deliberately not referenced here.
 */
public enum MetricStage {
    NEGOTIATE(true),
    CONNECT(true),
    HELO(true),
    MAIL(true),
    RCPT(true),
    DATA(true),
    HEADER(true),
    EOH(true),
    BODY(true),
    EOM(true),
    /** Milter's abort has no reply, so no latency or timeout is ever recorded for it. */
    ABORT(false),
    /** Milter's quit has no reply, so no latency or timeout is ever recorded for it. */
    CLOSE(false),
    UNKNOWN(true);

    private final String tag = name().toLowerCase(Locale.ROOT);
    private final boolean milterReplies;

    MetricStage(boolean milterReplies) {
        this.milterReplies = milterReplies;
    }

    /** The value of the {@code stage} tag, e.g. {@code "rcpt"}. */
    public String tag() {
        return tag;
    }

    /** Whether a Milter answers this stage, i.e. whether a round-trip latency or a timeout exists. */
    public boolean milterReplies() {
        return milterReplies;
    }
}
