package org.pmult.sim.engine;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.pmult.sim.scenario.Expectation;
import org.pmult.sim.scenario.ScenarioWords;

/** Checks a session's {@code expect} lines against its results. */
final class ExpectationChecker {

    private ExpectationChecker() {
    }

    static List<ExpectationResult> check(List<Expectation> expectations, List<CommandResult> results, SessionEnd end) {
        return expectations.stream().map(e -> check(e, results, end)).toList();
    }

    private static ExpectationResult check(Expectation expectation, List<CommandResult> results, SessionEnd end) {
        Optional<CommandResult> found = results.stream().filter(r -> r.step() == expectation.step()).findFirst();
        if (found.isEmpty()) {
            return new ExpectationResult(expectation, false, "step not reached (session ended: " + end + ")");
        }
        CommandResult result = found.get();
        if (expectation instanceof Expectation.Verdict verdict) {
            boolean codeMatches = verdict.code() == result.code();
            boolean textMatches = verdict.text() == null || verdict.text().matches(result.textOrEmpty());
            return new ExpectationResult(expectation, codeMatches && textMatches, "got " + describe(result));
        }
        Expectation.Modification modification = (Expectation.Modification) expectation;
        List<String> described = result.describedModifications();
        boolean matches = described.stream().anyMatch(modification.pattern()::matches);
        return new ExpectationResult(expectation, matches,
                described.isEmpty() ? "got no modifications" : "got modifications " + described);
    }

    /** {@code REJECT 550 5.7.1 No (pmilter)}. */
    static String describe(CommandResult result) {
        return ScenarioWords.verdictWord(result.code()).toUpperCase(Locale.ROOT)
                + (result.text() == null ? "" : " " + result.text())
                + " (" + result.source().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
    }
}
