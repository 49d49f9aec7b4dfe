package org.pmult.sim.engine;

import java.util.Objects;
import org.pmult.sim.scenario.Expectation;

/**
 * The verdict on one {@code expect} line.
 *
 * @param detail what was found: {@code got REJECT 550 5.7.1 No}, or why the step was never reached
 */
public record ExpectationResult(Expectation expectation, boolean passed, String detail) {

    public ExpectationResult {
        Objects.requireNonNull(expectation, "expectation");
        Objects.requireNonNull(detail, "detail");
    }
}
