package org.pmult.server.config.fuzz;

import org.pmult.fuzz.RegressionMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.pmult.server.config.ConfigException;
import org.pmult.server.config.ConfigFormat;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.config.LoadedConfig;

/**
 * Coverage-guided fuzzing of the GNU pmult.conf reader: any text as a pmult.conf, read through
 * {@link ConfigLoader#read} exactly as at startup or reload. It must give a configuration, or a
 * {@link ConfigException} whose location is the file, at a line the text has, and whose message is
 * that location followed by the problem; never another exception, and never take longer than
 * {@link #LIMIT} ({@link Watchdog}). Run by {@code mvn verify} on the seeds in {@code GnuConfigReaderFuzzTestInputs};
 * see docs/hardening.md for a fuzzing run.
 */
class GnuConfigReaderFuzzTest {

    /** Far above what any input needs (well under a millisecond), far below "stuck". */
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final Pattern LINE = Pattern.compile(":(\\d+)$");

    private static Path sandbox;
    private static Path file;
    private static Watchdog watchdog;

    @BeforeAll
    static void createSandbox() throws IOException {
        RegressionMode.skipBugDetectorHooksUnlessFuzzing();
        // /dev/shm if there is one: millions of small writes should not touch a disk.
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "pmult-conf-fuzz") : Files.createTempDirectory("pmult-conf-fuzz");
        // One level down, so an "include .." stays inside the sandbox too.
        sandbox = Files.createDirectory(base.resolve("etc"));
        file = sandbox.resolve("pmult.conf");
        watchdog = new Watchdog(LIMIT);
    }

    @AfterAll
    static void removeSandbox() throws IOException {
        watchdog.close();
        try (Stream<Path> paths = Files.walk(sandbox.getParent())) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @FuzzTest(maxDuration = "60s")
    // Words the reader compares against (no newlines: Jazzer 0.24 writes them into its dictionary unescaped).
    @DictionaryEntries({"listen", "client", "client-defaults", "url", "type milter", "program pmult",
            "include", "pidfile", "debug", "level", "define-macros", "v2-macros", "macro-name", "unix-socket",
            "mode", "owner", "group", "metrics", "address", "limits", "max-connections",
            "max-sessions-per-connection", "advertised-max-sessions", "max-frame-length", "idle-timeout",
            "shutdown-grace", "reconnect", "initial", "max", "connect-timeout", "read-timeout", "write-timeout",
            "eom-timeout", "log-level", "default-action", "tempfail", "logging", "max-threads-soft",
            "pmilter-debug", "unix://", "inet://", "inet6://", "inet:", "@127.0.0.1", "[::1]:", "seconds",
            "minutes", "1M", "1024K", "pmult.trace7", "{", "}", ";", "(", ")", ",", "\"", "<<EOT", "EOT;",
            "<<-", "/*", "*/", "//", "#", "\\"})
    void readsAConfigOrRejectsItAtAFileLine(byte[] input) throws Exception {
        // Lossy on purpose: invalid UTF-8 becomes U+FFFD, so the fuzzer's bytes reach the parser. A file
        // that is not UTF-8 at all is one early rejection; inputs starting "#raw-bytes" go in unchanged.
        String text = new String(input, StandardCharsets.UTF_8);
        if (text.contains("include") && text.contains("/")) {
            return; // an include could name any file on this machine (a FIFO, /dev/zero); only relative names here
        }
        boolean rawBytes = text.startsWith("#raw-bytes\n");
        try {
            Files.write(file, rawBytes ? input : text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            LoadedConfig loaded = watchdog.call(() -> ConfigLoader.read(file), "reading " + describe(text));
            assertEquals(ConfigFormat.GNU_PMULT, loaded.format());
            assertNotNull(loaded.config());
            assertFalse(loaded.config().listen().isEmpty(), "a configuration always listens somewhere");
        } catch (ConfigException e) {
            assertLocated(e, text);
        }
    }

    /** The error names this file, and a line the text has, before its problem. */
    private static void assertLocated(ConfigException e, String text) {
        String location = e.location();
        String name = file.toString();
        assertTrue(location.equals(name) || location.startsWith(name + ":"),
                () -> "location \"" + location + "\" does not name " + name + " (" + e.getMessage() + ")");
        Matcher line = LINE.matcher(location.substring(name.length()));
        if (line.find()) {
            long number = Long.parseLong(line.group(1));
            long lines = text.chars().filter(c -> c == '\n').count() + 1;
            assertTrue(number >= 1 && number <= lines,
                    () -> "line " + number + " (expected: 1.." + lines + ") in " + e.getMessage());
        } else {
            assertEquals(name, location, () -> "location \"" + location + "\" is neither FILE nor FILE:LINE");
        }
        assertFalse(e.problem().isBlank(), "an error without a problem");
        assertEquals(location + ": " + e.problem(), e.getMessage());
    }

    private static String describe(String text) {
        return text.length() <= 200 ? "\"" + text + "\"" : "\"" + text.substring(0, 200) + "...\" (" + text.length() + " chars)";
    }
}
