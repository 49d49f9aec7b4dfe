package org.pmult.server.metrics;

import java.util.Locale;

/** Which of pmult's two faces traffic belongs to, as values of the {@code side} tag. */
public enum TrafficSide {
    /** Connections from MeTA1's smtps (pmult is the server). */
    PMILTER,
    /** Connections to the Milter clients (pmult is the MTA side). */
    MILTER;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The value of the {@code side} tag, e.g. {@code "milter"}. */
    public String tag() {
        return tag;
    }
}
