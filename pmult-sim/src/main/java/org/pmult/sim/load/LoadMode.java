package org.pmult.sim.load;

import java.util.Locale;

/** Whom the load generator talks to. */
public enum LoadMode {
    /** As MeTA1's smtps: pmilter sessions multiplexed over a few connections to pmult. */
    PMILTER,
    /** As an MTA talking Milter straight to the milter: one Milter connection per session (the baseline). */
    MILTER;

    /** The command-line word: {@code pmilter} or {@code milter}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode for a command-line word, or {@code null}. */
    public static LoadMode fromWord(String word) {
        for (LoadMode mode : values()) {
            if (mode.word().equals(word.toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        return null;
    }
}
