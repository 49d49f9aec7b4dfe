package org.pmult.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The real HAProxy (Debian's package) as a TCP load balancer in front of a milter farm: started in
 * the foreground ({@code haproxy -f CFG -db}) as a child process from a configuration written into
 * the test's temporary directory, on free loopback ports. Its stderr (warnings such as
 * {@code Server milter/mfd1 is DOWN}) goes to {@code haproxy.log} there. Closing stops it; a JVM
 * shutdown hook does the same if a test run dies before closing.
 *
 * <p>When HAProxy is not installed the calling test is skipped — unless {@code CI=true}, where a
 * missing peer is a failure.
 */
final class HaproxyBalancer implements AutoCloseable {

    static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Path log;
    private final int port;
    private final ShutdownGuard stopping;

    private HaproxyBalancer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.stopping = new ShutdownGuard("stop haproxy", this::stop);
    }

    static void requireInstalled() {
        PeerProcess.requireInstalled(HAPROXY, "haproxy");
    }

    /**
     * Writes the configuration {@code template} to {@code directory/haproxy.cfg} — {@code %1$d} is
     * replaced by the milter frontend's port, {@code %2$d} by a monitor port HAProxy answers on once
     * it listens — and starts HAProxy on it; returns once the monitor port accepts connections.
     */
    static HaproxyBalancer start(Path directory, String template) {
        requireInstalled();
        int port = PeerProcess.freeLoopbackPort();
        int monitorPort = PeerProcess.freeLoopbackPort();
        Path config = directory.resolve("haproxy.cfg");
        Path log = directory.resolve("haproxy.log");
        try {
            Files.writeString(config, template.formatted(port, monitorPort), StandardCharsets.UTF_8);
            PeerProcess.run(List.of(HAPROXY.toString(), "-c", "-q", "-f", config.toString()), java.util.Map.of());
            Process process = new ProcessBuilder(HAPROXY.toString(), "-f", config.toString(), "-db")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            process.getOutputStream().close();
            HaproxyBalancer balancer = new HaproxyBalancer(process, log, port);
            try {
                await("haproxy listens (log: " + log + ")").atMost(START_TIMEOUT)
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            if (!process.isAlive()) {
                                throw new AssertionError("haproxy exited with status " + process.exitValue()
                                        + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
                            }
                            return accepts(monitorPort);
                        });
            } catch (RuntimeException | Error e) {
                balancer.close();
                throw e;
            }
            return balancer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start haproxy", e);
        }
    }

    /** The milter frontend's port on 127.0.0.1. */
    int port() {
        return port;
    }

    /** What HAProxy wrote so far: its warnings (server state changes) and errors. */
    String log() {
        return PeerProcess.readIfExists(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        stopping.close();
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static boolean accepts(int port) {
        try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
