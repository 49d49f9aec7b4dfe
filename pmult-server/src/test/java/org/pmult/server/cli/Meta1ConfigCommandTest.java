package org.pmult.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Meta1ConfigCommandTest {

    @TempDir
    Path dir;

    private PmultCommand command() {
        return new PmultCommand(dir.resolve("absent.conf"), dir.resolve("no-mailfromd"), (config, file, debug) -> 0);
    }

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("pmult.conf"), text);
    }

    @Test
    void printsThePolicyMilterSectionForTheDefaultListenSocket() {
        CliRun run = CliRun.of(command(), "meta1-config");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("""
                # MeTA1 smtps: the policy_milter section for pmult listening on inet://127.0.0.1:3333
                # Put it inside the smtps { ... } section of /etc/meta1/meta1.conf.
                # timeout: no clients are configured; 5 minutes
                policy_milter {
                    socket {
                        type = inet;
                        address = 127.0.0.1;
                        port = 3333;
                    };
                    timeout = 5m;
                    flags = { abort };
                };
                """, run.out());
    }

    @Test
    void printsAUnixSocketSectionAndATimeoutAboveTheSlowestClient() throws IOException {
        Path file = write("""
                listen unix:///run/pmult/pmult.sock;
                client mfd { url /run/mfd.sock; eom-timeout 10 minutes; }
                client spam { url /run/spam.sock; }
                """);
        CliRun run = CliRun.of(command(), "meta1-config", "--config", file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("""
                policy_milter {
                    socket {
                        type = unix;
                        path = /run/pmult/pmult.sock;
                    };
                    timeout = 11m;
                    flags = { abort };
                };
                """), run.out());
        assertTrue(run.out().contains("# timeout: longer than client \"mfd\"'s longest timeout (10 minutes)"), run.out());
    }

    @Test
    void takesConfigAndUrlGivenBeforeTheSubcommandToo() throws IOException {
        Path file = write("listen unix:///run/pmult/pmult.sock;\n");
        CliRun fromConfig = CliRun.of(command(), "--config", file.toString(), "meta1-config");
        assertTrue(fromConfig.out().contains("        type = unix;\n        path = /run/pmult/pmult.sock;\n"), fromConfig.out());

        CliRun fromUrl = CliRun.of(command(), "--url", "inet:4000@127.0.0.1", "meta1-config");
        assertEquals(0, fromUrl.exitCode(), fromUrl.err());
        assertTrue(fromUrl.out().contains("        port = 4000;\n"), fromUrl.out());
    }

    @Test
    void honoursTimeoutFlagsAndUrlOptions() {
        CliRun run = CliRun.of(command(), "meta1-config", "--url", "inet:4000@0.0.0.0", "--timeout", "90 seconds",
                "--flags", "accept_but_reconnect");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("        address = 127.0.0.1;\n        port = 4000;\n"), run.out());
        assertTrue(run.out().contains("    timeout = 90s;\n    flags = { accept_but_reconnect };\n"), run.out());

        CliRun noFlags = CliRun.of(command(), "meta1-config", "--flags", "none");
        assertTrue(!noFlags.out().contains("flags"), noFlags.out());
    }

    @Test
    void listsFurtherListenSocketsAsCommentedAlternatives() throws IOException {
        Path file = write("listen inet://127.0.0.1:3333;\nlisten /run/p.sock;\n");
        CliRun run = CliRun.of(command(), "meta1-config", "--config", file.toString());

        assertTrue(run.out().contains("# pmult also listens on /run/p.sock; to use that socket instead:\n# policy_milter {\n"), run.out());
        assertTrue(run.out().contains("#         type = unix;\n#         path = /run/p.sock;\n"), run.out());
    }

    @Test
    void refusesABadConfigurationWithExitCode2() throws IOException {
        Path file = write("listen inet://h:70000;");
        CliRun run = CliRun.of(command(), "meta1-config", "--config", file.toString());

        assertEquals(2, run.exitCode());
        assertEquals("pmult: " + file + ":1: listen: bad port 70000 in \"inet://h:70000\" (expected: 1..65535)\n", run.err());
    }

    @Test
    void refusesABadTimeout() {
        CliRun run = CliRun.of(command(), "meta1-config", "--timeout", "soon");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("pmult: --timeout: bad interval \"soon\""), run.err());
    }
}
