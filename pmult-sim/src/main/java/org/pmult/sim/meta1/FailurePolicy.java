package org.pmult.sim.meta1;

import java.util.Locale;

/**
 * What smtps does when the pmilter times out, answers ERROR or the connection is lost: MeTA1's
 * {@code policy_milter.flags} (spec §10.9).
 */
public enum FailurePolicy {
    /** {@code flags = { abort }}: the SMTP session ends with 421 4.3.0; reconnect before the next session. */
    ABORT("abort"),
    /**
     * {@code flags = { accept_but_reconnect }}: the session goes on as if every later reply were
     * CONTINUE (unfiltered); reconnect for the next session.
     */
    ACCEPT_BUT_RECONNECT("accept_but_reconnect"),
    /**
     * Neither flag: the command gets 451 4.3.0, the session goes on, and its next command is tried
     * over a fresh connection.
     */
    TEMPFAIL("none");

    private final String flagName;

    FailurePolicy(String flagName) {
        this.flagName = flagName;
    }

    /** The word in {@code flags = { … }}, or {@code none} for {@link #TEMPFAIL} (no flag). */
    public String flagName() {
        return flagName;
    }

    /** The policy for a flag word ({@code abort}, {@code accept_but_reconnect}, {@code none}), or {@code null}. */
    public static FailurePolicy fromFlagName(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        for (FailurePolicy policy : values()) {
            if (policy.flagName.equals(lower)) {
                return policy;
            }
        }
        return null;
    }
}
