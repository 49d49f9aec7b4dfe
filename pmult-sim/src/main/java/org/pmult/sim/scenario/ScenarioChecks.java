package org.pmult.sim.scenario;

import java.nio.charset.StandardCharsets;

/** Argument checks shared by the scenario types. */
final class ScenarioChecks {

    /** Longest session name: a SEID is at most 64 bytes, and repeats append {@code .N}. */
    static final int MAX_SESSION_NAME_BYTES = 48;

    private ScenarioChecks() {
    }

    static void path(String command, String path) {
        if (path == null || path.length() < 2 || path.charAt(0) != '<' || path.charAt(path.length() - 1) != '>') {
            throw new IllegalArgumentException(command + ": " + (path == null ? "missing address" : "\"" + path + "\"")
                    + " (expected: an address in angle brackets, e.g. <alice@example.com>)");
        }
    }

    static void sessionName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("session name: missing (expected: e.g. S1)");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SESSION_NAME_BYTES) {
            throw new IllegalArgumentException("session name \"" + name + "\": " + bytes + " bytes (expected: <= "
                    + MAX_SESSION_NAME_BYTES + ")");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isWhitespace(name.charAt(i)) || Character.isISOControl(name.charAt(i))) {
                throw new IllegalArgumentException("session name \"" + name
                        + "\": contains white space or a control character (expected: e.g. S1)");
            }
        }
    }
}
