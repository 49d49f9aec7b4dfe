package org.pmult.it;

import org.pmult.milter.codec.MilterCodes.MacroStage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real GNU mailfromd as a Milter peer, started through {@code integration-tests/peers/start-mailfromd.sh}
 * (directory from the {@code pmult.peers.dir} system property, which failsafe sets) on a free
 * loopback port or on a unix socket in a fresh temporary directory, running a filter script from
 * the test resources. Its log (MFL {@code echo} output included) is readable for assertions.
 *
 * <p>When mailfromd is not installed the calling test is skipped with a message — unless the
 * environment says {@code CI=true}, where a missing peer is a failure.
 */
public final class MailfromdPeer implements AutoCloseable {

    /** How the filter listens. */
    public enum Transport {
        INET, UNIX
    }

    private static final Path MAILFROMD = Path.of("/usr/sbin/mailfromd");
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final String LOG_PREFIX = "mailfromd: info: ";

    private final Transport transport;
    private final Path workDir;
    private final Path filter;
    private final SocketAddress address;
    private final String socketSpec;
    private final long pid;

    private MailfromdPeer(Transport transport, Path workDir, Path filter, SocketAddress address, String socketSpec,
                          long pid) {
        this.transport = transport;
        this.workDir = workDir;
        this.filter = filter;
        this.address = address;
        this.socketSpec = socketSpec;
        this.pid = pid;
    }

    /**
     * Starts mailfromd with the filter at classpath resource {@code filterResource} (e.g.
     * {@code /mfl/pmult-it.mfl}).
     */
    public static MailfromdPeer start(Transport transport, String filterResource) {
        requireInstalled();
        Path peers = peersDirectory();
        try {
            Path workDir = Files.createTempDirectory("pmult-mfd-");
            Path filter = workDir.resolve("source.mfl");
            try (InputStream in = MailfromdPeer.class.getResourceAsStream(filterResource)) {
                if (in == null) {
                    throw new IllegalArgumentException("filter resource not found: " + filterResource);
                }
                Files.copy(in, filter);
            }
            SocketAddress address;
            String spec;
            if (transport == Transport.INET) {
                int port = PeerProcess.freeLoopbackPort();
                address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                spec = "inet:" + port + "@127.0.0.1";
            } else {
                Path socket = workDir.resolve("sock").resolve("mailfromd.sock");
                address = UnixDomainSocketAddress.of(socket);
                spec = "unix:" + socket;
            }
            long pid = runStartScript(peers, spec, workDir, filter);
            return new MailfromdPeer(transport, workDir, filter, address, spec, pid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mailfromd", e);
        }
    }

    /** Skips the calling test when mailfromd is missing, or fails it when {@code CI=true}. */
    public static void requireInstalled() {
        if (Files.isExecutable(MAILFROMD)) {
            return;
        }
        PeerProcess.missing(MAILFROMD + " is not installed, so the tests against the real mailfromd cannot run"
                + " (install it: apt-get install mailfromd, or run .ci/run)");
    }

    /** Where the filter listens, as a JDK address ({@link InetSocketAddress} or {@link UnixDomainSocketAddress}). */
    public SocketAddress address() {
        return address;
    }

    /** The socket in mailfromd's spelling, e.g. {@code inet:31002@127.0.0.1}. */
    public String socketSpec() {
        return socketSpec;
    }

    public Transport transport() {
        return transport;
    }

    /** mailfromd's log: its diagnostics and every MFL {@code echo}. */
    public Path logFile() {
        return workDir.resolve("mailfromd.log");
    }

    /** The log's lines written by MFL {@code echo}, without mailfromd's {@code "mailfromd: info: "} prefix. */
    public List<String> echoLines() {
        List<String> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(logFile(), StandardCharsets.UTF_8)) {
                if (line.startsWith(LOG_PREFIX)) {
                    lines.add(line.substring(LOG_PREFIX.length()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** The whole log, for failure messages. */
    public String log() {
        try {
            return Files.readString(logFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The macro lists the filter asks for, per stage, as mailfromd itself reports them
     * ({@code mailfromd --dump-macros}) — an independent view of what SETSYMLIST should carry.
     */
    public Map<MacroStage, List<String>> dumpMacros() {
        String output = PeerProcess.run(List.of(MAILFROMD.toString(), "--no-config", "--dump-macros", filter.toString()), Map.of());
        Map<MacroStage, List<String>> lists = new EnumMap<>(MacroStage.class);
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split(" ", 2);
            MacroStage stage = MacroStage.byName("SMFIM_" + parts[0].toUpperCase(java.util.Locale.ROOT));
            lists.put(stage, parts.length == 1 ? List.of() : List.of(parts[1].split(", ")));
        }
        return lists;
    }

    public long pid() {
        return pid;
    }

    /**
     * Stops mailfromd (by its pid file) but keeps the work directory, so {@link #restart()} can bring
     * it back on the same socket: the way to take a milter down under a running pmult.
     */
    public void stop() {
        PeerProcess.run(List.of(peersDirectory().resolve("start-mailfromd.sh").toString(), "--stop", workDir.toString()), Map.of());
    }

    /**
     * Crashes mailfromd: SIGKILL to its whole process group (the start script makes it a session
     * leader), so the per-connection children die with the master and sessions in flight lose their
     * milter mid-conversation. Returns once its TCP socket refuses connections.
     */
    public void kill() {
        PeerProcess.run(List.of("kill", "-KILL", "--", "-" + pid), Map.of());
        if (transport == Transport.INET) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (accepts((InetSocketAddress) address)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(this + " still accepts connections 10 s after SIGKILL");
                }
                Thread.onSpinWait();
            }
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (java.net.Socket probe = new java.net.Socket()) {
            probe.connect(address, 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts mailfromd again after {@link #stop()}, on the same socket with the same filter (its log
     * starts afresh). The returned peer owns the work directory from now on: close that one, not this.
     */
    public MailfromdPeer restart() {
        long restarted = runStartScript(peersDirectory(), socketSpec, workDir, filter);
        return new MailfromdPeer(transport, workDir, filter, address, socketSpec, restarted);
    }

    /** Stops mailfromd (by its pid file) and removes the temporary directory. */
    @Override
    public void close() {
        try {
            PeerProcess.run(List.of(peersDirectory().resolve("start-mailfromd.sh").toString(), "--stop", workDir.toString()), Map.of());
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            PeerProcess.deleteRecursively(workDir);
        }
    }

    @Override
    public String toString() {
        return "mailfromd " + socketSpec + " (pid " + pid + ", log " + logFile() + ")";
    }

    private static long runStartScript(Path peers, String spec, Path workDir, Path filter) {
        String stdout = PeerProcess.run(List.of(peers.resolve("start-mailfromd.sh").toString(), spec, workDir.toString()),
                Map.of("MFD_FILTER", filter.toString()));
        String[] lines = stdout.trim().split("\n");
        try {
            return Long.parseLong(lines[lines.length - 1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("start-mailfromd.sh printed no pid: " + stdout, e);
        }
    }

    private static Path peersDirectory() {
        String configured = System.getProperty("pmult.peers.dir");
        Path peers = Path.of(configured != null ? configured : "peers").toAbsolutePath().normalize();
        if (!Files.isExecutable(peers.resolve("start-mailfromd.sh"))) {
            throw new IllegalStateException("start-mailfromd.sh not found in " + peers
                    + " (the pmult.peers.dir system property names integration-tests/peers)");
        }
        return peers;
    }
}
