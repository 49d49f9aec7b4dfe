package org.pmult.sim.scenario;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The sessions a simulator run plays, in file order.
 *
 * @param source where it came from (a file name, or a description for scenarios built in code)
 */
public record Scenario(String source, List<SessionScript> sessions) {

    public Scenario {
        Objects.requireNonNull(source, "source");
        sessions = List.copyOf(sessions);
        if (sessions.isEmpty()) {
            throw new IllegalArgumentException(source + ": no sessions (expected: at least one)");
        }
        Set<String> names = new HashSet<>();
        for (SessionScript session : sessions) {
            if (!names.add(session.name())) {
                throw new IllegalArgumentException(source + ": session name \"" + session.name()
                        + "\" used twice (expected: unique names; they become SEIDs)");
            }
        }
    }

    /** A scenario built in code. */
    public static Scenario of(SessionScript... sessions) {
        return new Scenario("(built in code)", List.of(sessions));
    }

    /** Whether any session has an expectation. */
    public boolean hasExpectations() {
        return sessions.stream().anyMatch(s -> !s.expectations().isEmpty());
    }
}
