package org.pmult.sim.engine;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The results of one run: every session in scenario order (all sessions of repeat 1, then of repeat
 * 2, …), and the checks a deployment test cares about.
 */
public record SimulationReport(List<SessionResult> sessions, Duration duration) {

    public SimulationReport {
        sessions = List.copyOf(sessions);
        Objects.requireNonNull(duration, "duration");
    }

    /** The session with this SEID, or, failing that, the first with this scenario name; fails if none. */
    public SessionResult session(String seidOrName) {
        return sessions.stream().filter(s -> s.seid().equals(seidOrName)).findFirst()
                .or(() -> sessions.stream().filter(s -> s.name().equals(seidOrName)).findFirst())
                .orElseThrow(() -> new IllegalArgumentException("no session " + seidOrName + " in this report (has "
                        + sessions.stream().map(SessionResult::seid).toList() + ")"));
    }

    public List<ExpectationResult> failedExpectations() {
        return sessions.stream().flatMap(s -> s.expectations().stream()).filter(e -> !e.passed()).toList();
    }

    public long expectationCount() {
        return sessions.stream().mapToLong(s -> s.expectations().size()).sum();
    }

    public long commandCount() {
        return sessions.stream().mapToLong(s -> s.commands().size()).sum();
    }

    /** Commands whose verdict the failure rule made up, in every session. */
    public List<CommandResult> synthesized() {
        return sessions.stream().flatMap(s -> s.synthesized().stream()).toList();
    }

    /**
     * Failures nobody asked about: synthesized verdicts on steps that have no {@code expect} line. A
     * deployment check counts them as failed, so a scenario without expectations still fails when the
     * pmilter does not answer.
     */
    public List<CommandResult> unexpectedFailures() {
        return sessions.stream().flatMap(s -> {
            Set<Integer> checked = s.expectations().stream().map(e -> e.expectation().step())
                    .collect(Collectors.toSet());
            return s.synthesized().stream().filter(c -> !checked.contains(c.step()));
        }).toList();
    }

    /** Every expectation held and no failure went unexpected. */
    public boolean passed() {
        return failedExpectations().isEmpty() && unexpectedFailures().isEmpty();
    }
}
