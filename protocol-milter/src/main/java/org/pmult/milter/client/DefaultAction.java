package org.pmult.milter.client;

import java.util.Locale;

/**
 * What a session answers for every event once its filter failed (unreachable, timed out, closed
 * the connection, broke the protocol) — Postfix's {@code milter_default_action}, Sendmail's
 * {@code F=T}/{@code F=R}.
 */
public enum DefaultAction {
    /** Refuse with a temporary error: the safe choice, mail is retried later (the default). */
    TEMPFAIL(MilterVerdict.TEMPFAIL),
    /** Proceed as if the filter accepted. */
    ACCEPT(MilterVerdict.ACCEPT),
    /** Refuse permanently. */
    REJECT(MilterVerdict.REJECT),
    /** Proceed as if the filter said continue. */
    CONTINUE(MilterVerdict.CONTINUE);

    private final MilterVerdict verdict;
    private final String configName;

    DefaultAction(MilterVerdict verdict) {
        this.verdict = verdict;
        this.configName = name().toLowerCase(Locale.ROOT);
    }

    /** The plain verdict this action stands for. */
    public MilterVerdict verdict() {
        return verdict;
    }

    /** The lower-case spelling used in configuration and logs, e.g. {@code tempfail}. */
    public String configName() {
        return configName;
    }

    /** The action for a configuration value such as {@code tempfail}; throws IllegalArgumentException if unknown. */
    public static DefaultAction byConfigName(String name) {
        for (DefaultAction action : values()) {
            if (action.configName.equals(name)) {
                return action;
            }
        }
        throw new IllegalArgumentException("unknown default action \"" + name
                + "\" (expected: tempfail, accept, reject or continue)");
    }
}
