package org.pmult.server.hostile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.pmult.server.PmultServer;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.upstream.MilterClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * pmult started in-process from a HOCON file written to a temporary directory, as the daemon would
 * read it, listening on a free loopback port, with its metrics in a {@link SimpleMeterRegistry}.
 */
final class PmultInstance implements AutoCloseable {

    private final PmultServer server;
    private final MeterRegistry registry;
    private final int port;

    private PmultInstance(PmultServer server, MeterRegistry registry, int port) {
        this.server = server;
        this.registry = registry;
        this.port = port;
    }

    /**
     * Starts pmult with {@code body} (HOCON keys under {@code pmult}, e.g. {@code limits { … }}); the
     * listen address is added. A port taken between choosing and binding is retried.
     */
    static PmultInstance start(Path directory, String body) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Path file = directory.resolve("pmult-" + port + ".hocon");
            Files.writeString(file, "pmult {\n  listen = [\"inet://127.0.0.1:" + port + "\"]\n  shutdown-grace = 0s\n"
                    + body + "\n}\n");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try {
                return new PmultInstance(PmultServer.start(ConfigLoader.load(file), new PmultMetrics(registry)), registry, port);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * HOCON for one milter client named {@code name} with short timeouts and the given default action.
     * No spare connections: each session's Milter connection is opened when the session starts, so a
     * milter armed before a session misbehaves on exactly that session's connection.
     */
    static String client(String name, String url, String defaultAction) {
        return "  clients." + name + " {\n    url = \"" + url + "\"\n    default-action = " + defaultAction + "\n"
                + "    timeouts { connect = 2s, read = 3s, write = 3s, eom = 3s }\n    connections.spare = 0\n  }\n"
                + "  reconnect { initial = 100ms, max = 200ms }\n";
    }

    SocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    int port() {
        return port;
    }

    PmultServer server() {
        return server;
    }

    /** The named counter with {@code tags} (key, value, …), 0 when it does not exist. */
    double counter(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The named gauge's value. */
    double gauge(String name, String... tags) {
        Gauge gauge = registry.find(name).tags(tags).gauge();
        if (gauge == null) {
            throw new AssertionError("no gauge " + name);
        }
        return gauge.value();
    }

    /** The (only instance of the) configured milter client called {@code name}. */
    MilterClient client(String name) {
        return server.upstreams().clients().stream().filter(c -> c.name().equals(name)).findFirst()
                .map(farm -> farm.instances().get(0))
                .orElseThrow(() -> new AssertionError("no client " + name));
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO);
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
