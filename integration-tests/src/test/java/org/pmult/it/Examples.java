package org.pmult.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The pmult configurations of {@code docs/examples/} (directory from the {@code pmult.examples.dir}
 * system property, which failsafe sets), with their socket addresses replaced by the ones a test
 * started: the integration tests run the very settings the documentation shows.
 */
final class Examples {

    private Examples() {
    }

    /**
     * The example's text with each key of {@code replacements} replaced by its value; a key that
     * does not occur fails, so an example that drifts from its test is noticed.
     */
    static String load(String fileName, Map<String, String> replacements) {
        Path file = directory().resolve(fileName);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the example " + file, e);
        }
        for (Map.Entry<String, String> replacement : replacements.entrySet()) {
            if (!text.contains(replacement.getKey())) {
                throw new AssertionError(file + " no longer contains \"" + replacement.getKey()
                        + "\": update the example's test");
            }
            text = text.replace(replacement.getKey(), replacement.getValue());
        }
        return text;
    }

    /** {@code listen inet://127.0.0.1:PORT;} on a free port: the replacement for an example's listen line. */
    static String freeListen() {
        return "inet://127.0.0.1:" + PmultHarness.freeLoopbackPort();
    }

    private static Path directory() {
        String configured = System.getProperty("pmult.examples.dir");
        Path dir = Path.of(configured != null ? configured : "../docs/examples").toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no examples directory at " + dir
                    + " (the pmult.examples.dir system property names docs/examples)");
        }
        return dir;
    }
}
