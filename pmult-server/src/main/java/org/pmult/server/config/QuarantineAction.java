package org.pmult.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What pmult does with a message a milter asked to quarantine (SMFIR_QUARANTINE), configuration key
 * {@code quarantine-action}. Sendmail and Postfix put such a message on hold for an administrator;
 * smtps has no hold queue (pmilter profile section 10.8 has no such modification), so the choice is
 * among what it can do. The request is never silent: each one is logged and counted.
 */
public enum QuarantineAction {
    /**
     * 4xx: the message is not delivered and not lost — the sending MTA keeps it and retries, and the
     * administrator has until its queue lifetime to look. The closest to a hold, and the default.
     */
    TEMPFAIL,
    /** 5xx: the message is refused; the sender gets a bounce. */
    REJECT,
    /** Accept the message and throw it away. */
    DISCARD,
    /** Deliver the message as if no quarantine had been asked for (only the log and metric tell). */
    ACCEPT;

    private final String configName = name().toLowerCase(Locale.ROOT);

    public String configName() {
        return configName;
    }

    public static Optional<QuarantineAction> fromConfigName(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(action -> action.configName.equals(lower)).findFirst();
    }

    /** {@code "tempfail, reject, discard or accept"}, for error messages. */
    public static String choices() {
        String all = Arrays.stream(values()).map(QuarantineAction::configName).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
