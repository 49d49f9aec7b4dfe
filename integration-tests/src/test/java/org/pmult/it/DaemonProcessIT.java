package org.pmult.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar as an administrator runs it: starts on a config, writes its pidfile, reloads on
 * SIGHUP (and keeps running on a broken file), stops cleanly on SIGTERM removing pidfile and socket;
 * started with SIGHUP ignored (nohup), it says it cannot reload.
 */
class DaemonProcessIT {

    @TempDir
    Path dir;

    private Process pmult;

    @AfterEach
    void stop() {
        if (pmult != null && pmult.isAlive()) {
            pmult.destroyForcibly();
        }
    }

    @Test
    void reloadsOnSighupAndStopsCleanlyOnSigterm() throws Exception {
        Path socket = dir.resolve("pmult.sock");
        Path pidfile = dir.resolve("pmult.pid");
        Path config = dir.resolve("pmult.conf");
        int port = freePort();
        Files.writeString(config, "listen unix://" + socket + ";\nlisten inet://127.0.0.1:" + port + ";\npidfile " + pidfile + ";\n");
        Path log = dir.resolve("pmult.log");
        // SIGHUP as a service manager leaves it, whatever this build runs under (nohup ignores it)
        startPmult(config, log, "--default-signal=HUP");
        assertEquals(Long.toString(pmult.pid()), Files.readString(pidfile).trim());
        assertTrue(Files.exists(socket));
        try (Socket tcp = new Socket("127.0.0.1", port)) {
            assertTrue(tcp.isConnected());
        }

        // a broken file: logged with its line, the running configuration stays
        Files.writeString(config, "listen unix://" + socket + ";\nclient x { url nowhere:at:all; }\n");
        signal("HUP");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertLogShows(log, "keeping the running configuration"));
        assertTrue(read(log).contains(config + ":2"), read(log));
        assertTrue(pmult.isAlive());

        // a good file: reloaded
        Files.writeString(config, "listen unix://" + socket + ";\nlisten inet://127.0.0.1:" + port + ";\npidfile " + pidfile + ";\n"
                + "define-macros mail (auth_type);\n");
        signal("HUP");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertLogShows(log, "SIGHUP: reloaded " + config));

        signal("TERM");
        assertTrue(pmult.waitFor(30, TimeUnit.SECONDS), "pmult exits after SIGTERM");
        assertEquals(0, pmult.exitValue(), read(log));
        assertFalse(Files.exists(pidfile), "pidfile removed");
        assertFalse(Files.exists(socket), "unix socket removed");
        assertTrue(read(log).contains("pmult stopped"), read(log));
    }

    @Test
    void warnsAtStartThatItCannotReloadWhenStartedWithSighupIgnored() throws Exception {
        Path config = dir.resolve("pmult.conf");
        Files.writeString(config, "listen unix://" + dir.resolve("pmult.sock") + ";\n");
        Path log = dir.resolve("pmult.log");

        startPmult(config, log, "--ignore-signal=HUP"); // as under nohup

        assertLogShows(log, "SIGHUP reload unavailable: pmult was started with SIGHUP ignored");
        signal("TERM");
        assertTrue(pmult.waitFor(30, TimeUnit.SECONDS), "pmult exits after SIGTERM");
    }

    /** Starts the jar in the foreground through env with {@code sighup} (how SIGHUP is set on the way); waits for its start line. */
    private void startPmult(Path config, Path log, String sighup) throws IOException {
        pmult = new ProcessBuilder(List.of("env", sighup, javaBin(), "-jar", jar(), "--config", config.toString(), "--foreground"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertLogShows(log, "started, pid " + pmult.pid()));
    }

    @Test
    void refusesABadConfigurationWithFileLineAndExitCode2() throws Exception {
        Path config = dir.resolve("bad.conf");
        Files.writeString(config, "listen inet://127.0.0.1:3333;\nclient mfd { url inet://127.0.0.1:1; read-timeout 10 parsecs; }\n");
        Process check = new ProcessBuilder(List.of(javaBin(), "-jar", jar(), "--config", config.toString(), "--config-test"))
                .redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, check.exitValue(), output);
        assertTrue(output.contains(config + ":2"), output);
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pmult.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    /** Fails with the whole log, so a run that timed out shows what pmult did instead. */
    private static void assertLogShows(Path log, String text) throws IOException {
        String logged = read(log);
        assertTrue(logged.contains(text), "\"" + text + "\" not in pmult's log:\n" + logged);
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    private static String jar() {
        String jar = System.getProperty("pmult.jar");
        assertTrue(jar != null && Files.exists(Path.of(jar)), "pmult.jar not built: " + jar + " (run mvn verify from the root)");
        return jar;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
