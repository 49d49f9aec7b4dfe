package org.pmult.server.condition;

import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.util.Set;

/**
 * {@code authenticated}: MeTA1 reported an SMTP AUTH login with this transaction's MAIL (a non-empty
 * {@code auth_type} or {@code auth_authen}); decided at every MAIL, since a client may authenticate
 * between transactions. pmult asks MeTA1 for both macros at MAIL itself.
 */
public record Authenticated() implements Condition {

    public static final String NAME = "authenticated";

    @Override
    public Truth evaluate(SessionFacts facts) {
        return facts.reached(ConditionStage.MAIL) ? Truth.of(facts.authenticated()) : Truth.UNKNOWN;
    }

    @Override
    public String text() {
        return NAME;
    }

    @Override
    public ConditionStage earliest() {
        return ConditionStage.MAIL;
    }

    @Override
    public ConditionStage latest() {
        return ConditionStage.MAIL;
    }

    @Override
    public Set<Macro> meta1Macros() {
        return Set.of(Macro.AUTH_TYPE, Macro.AUTH_AUTHEN);
    }
}
