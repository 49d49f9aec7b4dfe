package org.pmult.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.config.MacroConfig;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.MacroPlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every configuration in docs/examples passes {@code pmult --config FILE --config-test}, and its
 * define-macros name MeTA1 macros the daemon accepts when it starts (which --config-test does not
 * check). The integration tests run the milter examples against the real milters.
 */
class ExamplesConfigTest {

    private static final Path EXAMPLES = Path.of("..", "docs", "examples");

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".conf") || f.toString().endsWith(".hocon"))
                    .sorted().toList().stream();
        }
    }

    @Test
    void thereIsAnExampleForEachMilterPeopleRun() {
        for (String name : List.of("with-mailfromd.conf", "with-opendkim.conf", "with-rspamd.conf",
                "with-spamass-milter.conf", "with-rspamd-and-opendkim.conf", "pmult.conf", "pmult.hocon")) {
            assertTrue(Files.isRegularFile(EXAMPLES.resolve(name)), () -> "docs/examples/" + name + " is missing");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void passesConfigTest(Path example) {
        CliRun run = CliRun.of(new PmultCommand(Path.of("/nonexistent/pmult.conf"), (config, file, debug) -> {
            throw new AssertionError("--config-test must not start the daemon");
        }), "--config", example.toString(), "--config-test");

        assertEquals(0, run.exitCode(), () -> example + ":\n" + run.err() + run.out());
        assertTrue(run.out().endsWith("configuration OK\n"), run::out);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void defineMacrosNameMacrosTheDaemonAccepts(Path example) {
        MacroConfig macros = ConfigLoader.read(example).config().macros();

        assertDoesNotThrow(() -> MacroPlan.build(new MacroCatalog(macros.sendmailNames()), macros.requested(),
                List.of()), example::toString);
    }
}
