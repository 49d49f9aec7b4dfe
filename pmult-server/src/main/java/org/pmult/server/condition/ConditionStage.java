package org.pmult.server.condition;

import java.util.Locale;

/** Where a session stands for its conditions, in SMTP order; later stages know more. */
public enum ConditionStage {
    CONNECT,
    HELO,
    MAIL,
    RCPT,
    DATA,
    /** Message chunks are arriving: the size seen so far is a lower bound. */
    MESSAGE,
    /** The message is complete: its size is known. */
    EOM;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The stage's name in {@code --config-test} and logs, e.g. {@code "mail"}. */
    public String tag() {
        return tag;
    }

    /** Whether a transaction is open at this stage (MAIL and later). */
    public boolean inTransaction() {
        return compareTo(MAIL) >= 0;
    }

    public boolean atLeast(ConditionStage other) {
        return compareTo(other) >= 0;
    }
}
