package org.pmult.sim.scenario;

/** A scenario that cannot be played; the message starts with {@code file:line:} and says what was expected. */
public final class ScenarioException extends Exception {

    private static final long serialVersionUID = 1L;

    public ScenarioException(String message) {
        super(message);
    }
}
