package org.pmult.server.metrics;

import java.util.Locale;

/**
 * What pmult answered MeTA1 (the pmilter reply codes of wire profile 1, spec §10.4), as values of
 * the {@code action} tag; also used for the default action applied when a Milter fails.
 */
public enum MetricAction {
    CONTINUE,
    ACCEPT,
    REJECT,
    TEMPFAIL,
    DISCARD,
    SHUTDOWN,
    ERROR;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The value of the {@code action} tag, e.g. {@code "tempfail"}. */
    public String tag() {
        return tag;
    }
}
