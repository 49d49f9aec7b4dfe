package org.pmult.sim.meta1;

/**
 * A meta1.conf that cannot be used; the message starts with {@code file:line:} and says what is
 * wrong and what was expected.
 */
public final class Meta1ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public Meta1ConfigException(String message) {
        super(message);
    }
}
