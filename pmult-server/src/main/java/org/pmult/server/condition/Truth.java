package org.pmult.server.condition;

/**
 * A condition's value so far: decided either way, or not yet known because what it depends on has
 * not been seen (the HELO name before HELO, the recipients before DATA).
 */
public enum Truth {
    TRUE,
    FALSE,
    UNKNOWN;

    public static Truth of(boolean value) {
        return value ? TRUE : FALSE;
    }

    public boolean decided() {
        return this != UNKNOWN;
    }

    public Truth negated() {
        return switch (this) {
            case TRUE -> FALSE;
            case FALSE -> TRUE;
            case UNKNOWN -> UNKNOWN;
        };
    }
}
