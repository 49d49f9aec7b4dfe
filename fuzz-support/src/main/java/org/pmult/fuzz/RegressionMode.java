package org.pmult.fuzz;

/**
 * Keeps the regression replay of the fuzz seeds (every {@code mvn test}) quick. Jazzer installs its
 * bug-detector agent (SQL, LDAP, deserialization, ... hooks) even when it only replays seeds; that
 * costs several seconds per test JVM and our targets assert everything themselves. Fuzzing runs
 * ({@code JAZZER_FUZZ} set) keep the agent, which also provides the coverage feedback.
 */
public final class RegressionMode {

    private static final String HOOKS_PROPERTY = "jazzer.hooks";

    private RegressionMode() {
    }

    /** Call from {@code @BeforeAll}: Jazzer reads the property when the first fuzz test of the JVM starts. */
    public static void skipBugDetectorHooksUnlessFuzzing() {
        String fuzz = System.getenv("JAZZER_FUZZ");
        if ((fuzz == null || fuzz.isEmpty()) && System.getProperty(HOOKS_PROPERTY) == null) {
            System.setProperty(HOOKS_PROPERTY, "false");
        }
    }
}
