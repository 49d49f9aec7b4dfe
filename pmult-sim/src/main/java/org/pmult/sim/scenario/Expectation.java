package org.pmult.sim.scenario;

import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

/**
 * A check on the reply to one step of a session ({@code expect …} lines); the simulator evaluates it
 * against that step's result.
 */
public sealed interface Expectation permits Expectation.Verdict, Expectation.Modification {

    /** Index in {@link SessionScript#steps()} of the step whose reply is checked. */
    int step();

    /** Line of the {@code expect} in the scenario file, 0 when built in code. */
    int line();

    /** How the expectation reads in a scenario file. */
    String describe();

    /**
     * {@code expect reject 550 5.1.1*}: the verdict smtps applied and, optionally, its SMTP reply text.
     *
     * @param text pattern for the reply text (the empty string when smtps has none), or {@code null}
     *             to check the verdict only
     */
    record Verdict(int step, int line, ReplyCode code, Glob text) implements Expectation {
        public Verdict {
            Objects.requireNonNull(code, "code");
            if (code == ReplyCode.ERROR) {
                throw new IllegalArgumentException("verdict: ERROR (expected: a verdict smtps applies; "
                        + "ERROR is handled like a timeout)");
            }
        }

        @Override
        public String describe() {
            return "expect " + ScenarioWords.verdictWord(code) + (text == null ? "" : " " + text);
        }
    }

    /**
     * {@code expect modification +header X-Scanned: *}: some modification of the reply, written as
     * the simulator prints it, matches.
     */
    record Modification(int step, int line, Glob pattern) implements Expectation {
        public Modification {
            Objects.requireNonNull(pattern, "pattern");
        }

        @Override
        public String describe() {
            return "expect modification " + pattern;
        }
    }
}
