package org.pmult.it;


import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real libmilter filter as a Milter peer: {@code integration-tests/peers/recording-milter.py}
 * (Debian's python3-milter runs it on libmilter's own engine, so libmilter's state table decides
 * what it takes), started through {@code start-recording-milter.sh} on a free loopback port or a
 * unix socket in a fresh temporary directory. It records every callback with the macros it saw
 * ({@link #records()}) and answers as tokens in the mail tell it ({@code rcpt-reject} in a
 * recipient, {@code eom-tempfail} in the body, …; see the script).
 *
 * <p>When python3-milter is not installed the calling test is skipped — unless {@code CI=true},
 * where a missing peer is a failure.
 */
public final class RecordingMilterPeer implements AutoCloseable {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Path workDir;
    private final SocketAddress address;
    private final String socketSpec;
    private final long pid;

    private RecordingMilterPeer(Path workDir, SocketAddress address, String socketSpec, long pid) {
        this.workDir = workDir;
        this.address = address;
        this.socketSpec = socketSpec;
        this.pid = pid;
    }

    /** One callback as the filter recorded it ({@code connection}: libmilter's thread, see the script). */
    public record Callback(int connection, int session, String stage, String verdict, List<String> args,
                           Map<String, String> macros) {
    }

    /** Starts the filter on a free loopback port ({@code unix} false) or a unix socket. */
    public static RecordingMilterPeer start(boolean unix, Map<String, String> environment) {
        requireInstalled();
        try {
            Path workDir = Files.createTempDirectory("pmult-rm-");
            SocketAddress address;
            String spec;
            if (unix) {
                Path socket = workDir.resolve("sock").resolve("milter.sock");
                address = UnixDomainSocketAddress.of(socket);
                spec = "unix:" + socket;
            } else {
                int port = PeerProcess.freeLoopbackPort();
                address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                spec = "inet:" + port + "@127.0.0.1";
            }
            String stdout = PeerProcess.run(List.of(script().toString(), spec, workDir.toString()), environment);
            String[] lines = stdout.trim().split("\n");
            long pid = Long.parseLong(lines[lines.length - 1].trim());
            return new RecordingMilterPeer(workDir, address, spec, pid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start recording-milter", e);
        }
    }

    /** Skips the calling test when python3-milter is missing, or fails it when {@code CI=true}. */
    public static void requireInstalled() {
        if (Files.isExecutable(PYTHON) && runs(List.of(PYTHON.toString(), "-c", "import Milter"))) {
            return;
        }
        PeerProcess.missing("python3-milter is not installed, so the tests against a real libmilter filter cannot run"
                + " (install it: apt-get install python3-milter, or run .ci/run)");
    }

    public SocketAddress address() {
        return address;
    }

    /** The socket in libmilter's spelling, e.g. {@code inet:31002@127.0.0.1}. */
    public String socketSpec() {
        return socketSpec;
    }

    /** Every callback so far, in order. */
    public List<Callback> records() {
        List<Callback> callbacks = new ArrayList<>();
        try {
            Path file = workDir.resolve("record.tsv");
            if (!Files.exists(file)) {
                return callbacks;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isEmpty()) {
                    callbacks.add(parse(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return callbacks;
    }

    /** The filter's own output (Python tracebacks land here). */
    public String log() {
        try {
            return Files.readString(workDir.resolve("milter.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            PeerProcess.run(List.of(script().toString(), "--stop", workDir.toString()), Map.of());
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            PeerProcess.deleteRecursively(workDir);
        }
    }

    @Override
    public String toString() {
        return "recording-milter " + socketSpec + " (pid " + pid + ", work " + workDir + ")";
    }

    static Callback parse(String line) {
        int connection = -1;
        int session = -1;
        String stage = null;
        String verdict = null;
        List<String> args = new ArrayList<>();
        Map<String, String> macros = new LinkedHashMap<>();
        for (String field : line.split("\t", -1)) {
            int eq = field.indexOf('='); // names never contain '=', values may
            String key = field.substring(0, eq);
            String value = unescape(field.substring(eq + 1));
            switch (key) {
                case "conn" -> connection = Integer.parseInt(value);
                case "session" -> session = Integer.parseInt(value);
                case "stage" -> stage = value;
                case "verdict" -> verdict = value;
                case "arg" -> args.add(value);
                default -> macros.put(key.substring("macro:".length()), value);
            }
        }
        return new Callback(connection, session, stage, verdict, List.copyOf(args), macros);
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(switch (next) {
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'n' -> '\n';
                    default -> next;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Path script() {
        String configured = System.getProperty("pmult.peers.dir");
        Path peers = Path.of(configured != null ? configured : "peers").toAbsolutePath().normalize();
        Path script = peers.resolve("start-recording-milter.sh");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException(script + " not found (the pmult.peers.dir system property names"
                    + " integration-tests/peers)");
        }
        return script;
    }

    private static boolean runs(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
