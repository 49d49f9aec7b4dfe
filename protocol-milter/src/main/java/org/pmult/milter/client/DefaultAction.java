package org.pmult.milter.client;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a session answers for every event once its filter failed (unreachable, timed out, closed
 * the connection, broke the protocol) — Postfix's {@code milter_default_action}, Sendmail's
 * {@code F=T}/{@code F=R}; pmult's configuration key {@code default-action}.
 */
public enum DefaultAction {
    /** 4xx: refuse with a temporary error, the SMTP client retries later. GNU pmult's behaviour and the default. */
    TEMPFAIL(MilterVerdict.TEMPFAIL),
    /** Accept the rest of the transaction unfiltered by this filter. */
    ACCEPT(MilterVerdict.ACCEPT),
    /** 5xx: refuse the command. */
    REJECT(MilterVerdict.REJECT),
    /** Behave as if the filter had said continue; other filters still decide. */
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

    /** The action for a configuration value such as {@code tempfail} (any case, surrounding blanks ignored). */
    public static Optional<DefaultAction> fromConfigName(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(action -> action.configName.equals(lower)).findFirst();
    }

    /** {@code "tempfail, accept, reject or continue"}, for error messages. */
    public static String choices() {
        String all = Arrays.stream(values()).map(DefaultAction::configName).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
