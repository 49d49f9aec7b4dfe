package org.pmult.server.condition;

import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.util.Set;

/**
 * When a client is consulted: a predicate over a session's {@link SessionFacts}, or an
 * {@link AllOf all} / {@link AnyOf any} / {@link Not not} combination of them. Evaluation is
 * three-valued so a condition is decided at the earliest stage that can decide it. Immutable.
 */
public interface Condition {

    /** The condition of a client without one: consulted always. */
    Condition ALWAYS = new Condition() {
        @Override
        public Truth evaluate(SessionFacts facts) {
            return Truth.TRUE;
        }

        @Override
        public String text() {
            return "always";
        }

        @Override
        public ConditionStage earliest() {
            return ConditionStage.CONNECT;
        }

        @Override
        public ConditionStage latest() {
            return ConditionStage.CONNECT;
        }
    };

    Truth evaluate(SessionFacts facts);

    /** The condition in the configuration's expression syntax, canonical (what {@code --config-test} shows). */
    String text();

    /** The first stage at which it may be decided. */
    ConditionStage earliest();

    /** The stage by which it is decided at the latest (in a session that gets that far). */
    ConditionStage latest();

    /** MeTA1 macros it needs (asked for at MAIL), never passed to a milter that did not ask for them. */
    default Set<Macro> meta1Macros() {
        return Set.of();
    }
}
