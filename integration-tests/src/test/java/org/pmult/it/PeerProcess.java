package org.pmult.it;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Milter peer started by one of the {@code integration-tests/peers/start-*.sh} scripts
 * (directory from the {@code pmult.peers.dir} system property, which failsafe sets) in a fresh
 * temporary work directory. Closing stops it through the script (the whole process group), kills
 * what is left by pid, and removes the work directory; a JVM shutdown hook does the same if a test
 * run dies before closing.
 */
final class PeerProcess implements AutoCloseable {

    private static final long SCRIPT_TIMEOUT_SECONDS = 90;

    private final String script;
    private final Path workDir;
    private final long pid;
    private final ShutdownGuard stopping;

    private PeerProcess(String script, Path workDir, long pid) {
        this.script = script;
        this.workDir = workDir;
        this.pid = pid;
        this.stopping = new ShutdownGuard("stop " + script, this::stopQuietly);
    }

    /**
     * Skips the calling test when {@code executable} is missing, or fails it when the environment
     * says {@code CI=true} (CI installs every package of {@code peers/debian-packages}).
     */
    static void requireInstalled(Path executable, String debianPackages) {
        if (Files.isExecutable(executable)) {
            return;
        }
        missing(executable + " is not installed, so the tests against it cannot run (install it: apt-get"
                + " install " + debianPackages + ", or run .ci/run)");
    }

    /**
     * A peer the calling test needs is missing ({@code problem} says which and how to install it):
     * the test is skipped, or fails when the environment says {@code CI=true}.
     */
    static void missing(String problem) {
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(problem + "; CI=true makes this a failure");
        }
        Assumptions.abort(problem);
    }

    /** A fresh temporary directory for a peer's files, named after {@code prefix}. */
    static Path newWorkDir(String prefix) {
        try {
            return Files.createTempDirectory("pmult-" + prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code peers/SCRIPT SOCKET WORKDIR} with extra environment {@code environment}; the
     * script prints the peer's pid as its last line once the peer accepts connections. On failure
     * the work directory is removed and the script's stderr is in the exception.
     */
    static PeerProcess start(String script, String socketSpec, Path workDir, Map<String, String> environment) {
        try {
            String stdout = run(List.of(peersDirectory().resolve(script).toString(), socketSpec, workDir.toString()),
                    environment);
            String[] lines = stdout.trim().split("\n");
            return new PeerProcess(script, workDir, Long.parseLong(lines[lines.length - 1].trim()));
        } catch (RuntimeException e) {
            deleteRecursively(workDir);
            throw e;
        }
    }

    /** A loopback TCP port free at the moment. */
    static int freeLoopbackPort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code integration-tests/peers}. */
    static Path peersDirectory() {
        String configured = System.getProperty("pmult.peers.dir");
        Path peers = Path.of(configured != null ? configured : "peers").toAbsolutePath().normalize();
        if (!Files.isDirectory(peers)) {
            throw new IllegalStateException("no peers directory at " + peers
                    + " (the pmult.peers.dir system property names integration-tests/peers)");
        }
        return peers;
    }

    /**
     * Runs a command to its end (at most {@value #SCRIPT_TIMEOUT_SECONDS} s) and returns its stdout;
     * a non-zero exit status is an exception carrying stdout and stderr.
     */
    static String run(List<String> command, Map<String, String> environment) {
        Path stderr = null;
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            stderr = Files.createTempFile("pmult-peer-stderr-", ".txt");
            builder.redirectError(stderr.toFile());
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + SCRIPT_TIMEOUT_SECONDS + " s");
            }
            String output = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " failed with exit status " + process.exitValue()
                        + ":\n" + output + Files.readString(stderr, StandardCharsets.UTF_8));
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            if (stderr != null) {
                try {
                    Files.deleteIfExists(stderr);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    Path workDir() {
        return workDir;
    }

    long pid() {
        return pid;
    }

    /** A file of the work directory as text, "" when it does not exist (for failure messages). */
    String read(String fileName) {
        return readIfExists(workDir.resolve(fileName), StandardCharsets.ISO_8859_1);
    }

    /** A peer's file as text, "" when it does not exist (yet). */
    static String readIfExists(Path file, Charset charset) {
        try {
            return Files.exists(file) ? Files.readString(file, charset) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stopping.close();
    }

    private void stopQuietly() {
        try {
            run(List.of(peersDirectory().resolve(script).toString(), "--stop", workDir.toString()), Map.of());
        } catch (RuntimeException e) {
            System.err.println("stopping " + script + " peer " + pid + ": " + e.getMessage());
        } finally {
            ProcessHandle.of(pid).ifPresent(process -> {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            });
            deleteRecursively(workDir);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
