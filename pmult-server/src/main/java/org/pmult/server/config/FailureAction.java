package org.pmult.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What pmult answers in a client's place when that milter is down, times out or breaks the protocol
 * (configuration key {@code default-action}, like Postfix's {@code milter_default_action}).
 */
public enum FailureAction {
    /** 4xx: the SMTP client retries later. GNU pmult's behaviour and our default. */
    TEMPFAIL,
    /** Accept the rest of the transaction unfiltered by this client. */
    ACCEPT,
    /** 5xx: refuse the command. */
    REJECT,
    /** Behave as if this client had said continue; other clients still decide. */
    CONTINUE;

    private final String configName = name().toLowerCase(Locale.ROOT);

    public String configName() {
        return configName;
    }

    public static Optional<FailureAction> fromConfigName(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(action -> action.configName.equals(lower)).findFirst();
    }

    /** {@code "tempfail, accept, reject or continue"}, for error messages. */
    public static String choices() {
        String all = Arrays.stream(values()).map(FailureAction::configName).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
