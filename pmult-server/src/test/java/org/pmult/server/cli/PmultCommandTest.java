package org.pmult.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.server.config.DebugSpec;
import org.pmult.server.config.PmultConfig;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PmultCommandTest {

    @TempDir
    Path dir;

    /** What the daemon was started with. */
    private record Launch(PmultConfig config, Optional<Path> file, Optional<DebugSpec> debug) {
    }

    private final List<Launch> launches = new ArrayList<>();

    private PmultCommand command() {
        return new PmultCommand(dir.resolve("etc-pmult.conf"), dir.resolve("no-mailfromd"), (config, file, debug) -> {
            launches.add(new Launch(config, file, debug));
            return 0;
        });
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void configTestPrintsASummaryAndConfigurationOk() throws IOException {
        Path file = write("pmult.conf", """
                listen inet:3333@127.0.0.1;
                max-threads-soft 4;
                macro-default daemon_name "mx.example.org";
                client mfd {
                  url unix:///run/mailfromd/mailfromd.sock;
                  read-timeout 30 seconds;
                }
                client trial { url unix:///run/trial.sock; evaluation-mode yes; }
                """);
        CliRun run = CliRun.of(new PmultCommand(), "--config", file.toString(), "--config-test");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("configuration: " + file + " (GNU pmult.conf syntax)\n"), run.out());
        assertTrue(run.out().contains("listen: inet:3333@127.0.0.1 (understood as Sendmail form inet:PORT@HOST: TCP port 3333 on host 127.0.0.1)\n"), run.out());
        assertTrue(run.out().contains("client \"mfd\": unix:///run/mailfromd/mailfromd.sock"), run.out());
        assertTrue(run.out().contains("timeouts: connect 5 minutes, read 30 seconds, write 10 seconds, eom 5 minutes; default-action tempfail"), run.out());
        assertTrue(run.out().contains("client \"trial\": unix:///run/trial.sock (understood as mailfromd URL unix://PATH: unix socket /run/trial.sock)\n"
                + "    timeouts: connect 5 minutes, read 10 seconds, write 10 seconds, eom 5 minutes; default-action tempfail\n"
                + "    evaluation mode: consulted, verdicts and changes logged and counted, never applied\n"), run.out());
        assertTrue(run.out().contains("note: " + file + ":2: max-threads-soft configures GNU pmult's MeTA1 pmilter library"), run.out());
        assertTrue(run.out().contains("macro-default {daemon_name} = \"mx.example.org\"\n"), run.out());
        assertTrue(run.out().endsWith("configuration OK\n"), run.out());
        assertEquals("", run.err());
    }

    @Test
    void configTestShowsEachClientsConditionAndTheStagesThatDecideIt() throws IOException {
        Path file = write("pmult.conf", """
                listen inet:3333@127.0.0.1;
                client local { url /run/local.sock; condition "client-address(192.0.2.0/24,2001:db8::/32)"; }
                client spam { url /run/spam.sock; condition "all(not(authenticated), any(helo(*.example.org), size-below(1M)))"; }
                client plain { url /run/plain.sock; }
                """);
        CliRun run = CliRun.of(new PmultCommand(), "--config", file.toString(), "--config-test");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("    condition: client-address(192.0.2.0/24, 2001:db8::/32) (decided at connect)\n"), run.out());
        assertTrue(run.out().contains("    condition: all(not(authenticated), any(helo(*.example.org), size-below(1048576)))"
                + " (decided from helo to eom)\n"), run.out());
        assertEquals(2, run.out().split("condition: ", -1).length - 1, "the client without a condition shows none: " + run.out());
    }

    @Test
    void configTestFailsWithExitCode2AndTheFileLineMessage() throws IOException {
        Path file = write("pmult.conf", "listen inet://127.0.0.1:3333;\nclient mfd {\n  url /run/mfd.sock;\n  timout 5;\n}\n");
        CliRun run = CliRun.of(new PmultCommand(), "--config-test", "--config", file.toString());

        assertEquals(2, run.exitCode());
        assertEquals("pmult: " + file + ":4: unknown statement \"timout\" in client \"mfd\"\nconfiguration FAILED\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void configTestOfAHoconFileNamesFileLineAndKey() throws IOException {
        Path file = write("pmult.hocon", "pmult {\n  clients.mfd {\n    url = /x\n    timeouts.read = 10 parsecs\n  }\n}\n");
        CliRun run = CliRun.of(new PmultCommand(), "--config-test", "--config", file.toString());

        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("pmult: " + file + ":4: clients.mfd.timeouts.read: bad duration \"10 parsecs\""), run.err());
    }

    @Test
    void configTestWithoutAnyFileUsesTheBuiltinDefaults() {
        CliRun run = CliRun.of(command(), "--config-test");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("configuration: (none) (built-in defaults)\nlisten: inet://127.0.0.1:3333"), run.out());
        assertTrue(run.out().contains("clients: none\n"), run.out());
        assertTrue(run.out().contains("warning: no clients configured: pmult answers CONTINUE to every MeTA1 command"), run.out());
        assertTrue(run.out().endsWith("configuration OK\n"));
    }

    @Test
    void readsTheDefaultConfigFileWhenPresent() throws IOException {
        write("etc-pmult.conf", "listen inet://127.0.0.1:4444;");
        CliRun run = CliRun.of(command(), "--config-test");
        assertTrue(run.out().contains("listen: inet://127.0.0.1:4444"), run.out());
    }

    @Test
    void startsTheDaemonWithTheConfigTheFileAndTheDebugOverride() throws IOException {
        Path file = write("pmult.conf", "listen inet://127.0.0.1:3333;\nclient mfd { url /run/mfd.sock; }\n");
        CliRun run = CliRun.of(command(), "--config", file.toString(), "--foreground", "--debug", "info");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1, launches.size());
        Launch launch = launches.get(0);
        assertEquals("mfd", launch.config().clients().get(0).name());
        assertEquals(Optional.of(file), launch.file());
        assertEquals(Optional.of(DebugSpec.parse("info")), launch.debug());
        LogLevels.reset();
    }

    @Test
    void runsOnBuiltinDefaultsWithoutAnyFile() {
        CliRun run = CliRun.of(command());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(PmultConfig.defaults(), launches.get(0).config());
        assertEquals(Optional.empty(), launches.get(0).file());
        assertEquals(Optional.empty(), launches.get(0).debug());
        LogLevels.reset();
    }

    @Test
    void withoutAnyFileRunsWithMailfromdsDefaultSocketAsClientWhenItExists() throws IOException {
        Path socketPath = dir.resolve("no-mailfromd"); // the path command() passes, now with a socket
        try (ServerSocketChannel mailfromd = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            mailfromd.bind(UnixDomainSocketAddress.of(socketPath));

            CliRun check = CliRun.of(command(), "--config-test");
            CliRun run = CliRun.of(command());

            assertEquals(0, check.exitCode(), check.err());
            assertTrue(check.out().contains("client \"mailfromd\": unix://" + socketPath), check.out());
            assertTrue(check.out().contains("mailfromd's default socket unix:" + socketPath + " as client \"mailfromd\""),
                    check.out());
            assertFalse(check.out().contains("no clients configured"), check.out());
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(List.of("mailfromd"), launches.get(0).config().clients().stream().map(c -> c.name()).toList());
            assertEquals(Optional.empty(), launches.get(0).file());
        } finally {
            Files.deleteIfExists(socketPath);
            LogLevels.reset();
        }
    }

    @Test
    void logFormatIsTextOrJson() {
        assertEquals(LogFormat.JSON, new PmultCommand.LogFormatConverter().convert("JSON"));
        assertEquals(LogFormat.TEXT, new PmultCommand.LogFormatConverter().convert("text"));

        CliRun run = CliRun.of(command(), "--log-format", "xml");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown log format \"xml\" (expected: text or json)"), run.err());
        assertTrue(launches.isEmpty());
    }

    @Test
    void urlReplacesTheListenSockets() throws IOException {
        Path file = write("pmult.conf", "listen inet://127.0.0.1:3333;\nlisten unix:///run/p.sock;\n");
        CliRun run = CliRun.of(command(), "--config", file.toString(), "--url", "inet:4000@127.0.0.1", "--url", "/run/q.sock");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("inet:4000@127.0.0.1", "/run/q.sock"),
                launches.get(0).config().listen().stream().map(listen -> listen.endpoint().toString()).toList());
        LogLevels.reset();
    }

    @Test
    void refusesABadUrlOrDebugLevelWithExitCode2() {
        CliRun badUrl = CliRun.of(command(), "--url", "inet://h:70000");
        assertEquals(2, badUrl.exitCode());
        assertEquals("pmult: --url: bad port 70000 in \"inet://h:70000\" (expected: 1..65535)\n", badUrl.err());

        CliRun badDebug = CliRun.of(command(), "--debug", "loud");
        assertEquals(2, badDebug.exitCode());
        assertTrue(badDebug.err().startsWith("pmult: --debug: bad debug level \"loud\""), badDebug.err());
        assertTrue(launches.isEmpty());
    }

    @Test
    void reportsADaemonFailureWithExitCode1() {
        PmultCommand failing = new PmultCommand(dir.resolve("none.conf"), dir.resolve("no-mailfromd"), (config, file, debug) -> {
            throw new IllegalStateException("cannot bind inet://127.0.0.1:3333: address in use");
        });
        CliRun run = CliRun.of(failing);

        assertEquals(1, run.exitCode());
        assertEquals("pmult: cannot bind inet://127.0.0.1:3333: address in use\n", run.err());
        LogLevels.reset();
    }

    @Test
    void printsItsVersion() {
        CliRun run = CliRun.of(new PmultCommand(), "--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("pmult "), run.out());
    }

    @Test
    void refusesUnknownOptionsWithExitCode2() {
        CliRun run = CliRun.of(new PmultCommand(), "--bogus");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Unknown option: '--bogus'"), run.err());
    }
}
