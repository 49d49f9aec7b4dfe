package org.pmult.it;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Postfix instance (Debian's package) on loopback, started and stopped through
 * {@code integration-tests/peers/start-postfix.sh}: its own configuration, queue and data directories
 * in a temporary directory, smtpd on a free port of 127.0.0.1 and ::1, every message delivered to
 * {@code discard:}. Closing stops every Postfix process of the instance; a JVM shutdown hook does the
 * same if the test run ends first, and the script's watchdog if the JVM is killed.
 *
 * <p>When Postfix is not installed (or the tests do not run as root, which Postfix's master needs)
 * the calling test is skipped with a message — unless {@code CI=true}, where that is a failure.
 */
final class PostfixPeer implements AutoCloseable {

    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final long SCRIPT_TIMEOUT_SECONDS = 60;

    private final Path workDir;
    private final int port;
    private final ShutdownGuard stopping;

    private PostfixPeer(Path workDir, int port) {
        this.workDir = workDir;
        this.port = port;
        this.stopping = new ShutdownGuard("postfix-peer-cleanup", this::stop);
    }

    /** Starts Postfix with {@code smtpd_milters = milters} (Postfix's spelling, comma separated). */
    static PostfixPeer start(String milters) {
        requireInstalled();
        try {
            Path workDir = Files.createTempDirectory("pmult-postfix-");
            int port = PeerProcess.freeLoopbackPort();
            PostfixPeer peer = new PostfixPeer(workDir, port);
            try {
                run(List.of(script().toString(), workDir.toString(), Integer.toString(port), milters),
                        Map.of("PF_OWNER_PID", Long.toString(ProcessHandle.current().pid())));
            } catch (RuntimeException | Error e) {
                peer.close();
                throw e;
            }
            return peer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postfix", e);
        }
    }

    static void requireInstalled() {
        String problem = null;
        if (!Files.isExecutable(POSTFIX)) {
            problem = POSTFIX + " is not installed, so the differential tests against Postfix cannot run"
                    + " (install it: apt-get install postfix, or run .ci/run)";
        } else if (!"root".equals(System.getProperty("user.name"))) {
            problem = "the differential tests against Postfix must run as root (Postfix's master drops to user postfix)";
        }
        if (problem != null) {
            PeerProcess.missing(problem);
        }
    }

    int port() {
        return port;
    }

    /** Postfix's log (maillog_file), for failure messages. */
    String log() {
        try {
            return Files.readString(workDir.resolve("postfix.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            stopping.close();
        } finally {
            PeerProcess.deleteRecursively(workDir);
        }
    }

    private void stop() {
        run(List.of(script().toString(), "--stop", workDir.toString()), Map.of());
    }

    private static Path script() {
        String configured = System.getProperty("pmult.peers.dir");
        Path peers = Path.of(configured != null ? configured : "peers").toAbsolutePath().normalize();
        Path script = peers.resolve("start-postfix.sh");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException(script + " not found (the pmult.peers.dir system property names integration-tests/peers)");
        }
        return script;
    }

    private static String run(List<String> command, Map<String, String> environment) {
        try {
            Path output = Files.createTempFile("pmult-postfix-script-", ".txt");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
                builder.environment().putAll(environment);
                Process process = builder.start();
                process.getOutputStream().close();
                if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(command + " did not finish within " + SCRIPT_TIMEOUT_SECONDS + "s");
                }
                String text = Files.readString(output, StandardCharsets.ISO_8859_1);
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(command + " failed with exit status " + process.exitValue() + ":\n" + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
