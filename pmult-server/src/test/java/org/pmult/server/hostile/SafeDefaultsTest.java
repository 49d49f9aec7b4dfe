package org.pmult.server.hostile;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.server.PmultServer;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.config.Intervals;
import org.pmult.server.config.Limits;
import org.pmult.server.config.ListenConfig;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.config.UnixSocketOptions;
import org.pmult.server.metrics.PmultMetrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What pmult exposes when the administrator has not said otherwise: loopback-only listening,
 * unix sockets only owner and group may connect to, no metrics endpoint (and loopback when only a
 * port is given), and limits whose defaults are bounded and written down in the configuration guide.
 */
class SafeDefaultsTest {

    private static final Path CONFIGURATION_GUIDE = Path.of("..", "docs", "configuration.md");

    @TempDir
    Path directory;

    @Test
    void listensOnlyOnLoopbackWithTheBuiltInDefaults() throws Exception {
        PmultConfig defaults = PmultConfig.defaults();
        assertEquals(1, defaults.listen().size());
        SocketEndpoint.Inet endpoint = assertInstanceOf(SocketEndpoint.Inet.class, defaults.listen().get(0).endpoint());
        assertEquals("127.0.0.1", endpoint.host());
        assertEquals(3333, endpoint.port());
        assertAllLoopback(defaults.listen());
    }

    @Test
    void listensOnlyOnLoopbackWhenAConfigurationNamesNoListenSocket() throws Exception {
        Path gnu = Files.writeString(directory.resolve("pmult.conf"), "client mfd { url inet://127.0.0.1:8891; }\n");
        Path hocon = Files.writeString(directory.resolve("pmult.hocon"),
                "pmult.clients.mfd { url = \"inet://127.0.0.1:8891\" }\n");
        assertAllLoopback(ConfigLoader.load(gnu).listen());
        assertAllLoopback(ConfigLoader.load(hocon).listen());
    }

    @Test
    void createsUnixListenSocketsThatOnlyOwnerAndGroupMayUseByDefault() throws Exception {
        assertEquals(0660, UnixSocketOptions.DEFAULTS.mode());
        Path socket = directory.resolve("pmult.sock");
        Path file = Files.writeString(directory.resolve("unix.hocon"),
                "pmult { listen = [\"unix://" + socket + "\"], shutdown-grace = 0s }\n");
        PmultServer server = PmultServer.start(ConfigLoader.load(file), new PmultMetrics(new SimpleMeterRegistry()));
        try {
            assertEquals("rw-rw----", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                assertTrue(client.connect(UnixDomainSocketAddress.of(socket)), "the socket answers");
            }
        } finally {
            server.shutdown(Duration.ZERO);
        }
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed on shutdown");
    }

    @Test
    void servesNoMetricsUnlessConfiguredAndOnlyLoopbackForABarePort() throws Exception {
        assertTrue(PmultConfig.defaults().metricsAddress().isEmpty(), "metrics HTTP is off by default");
        Path gnu = Files.writeString(directory.resolve("metrics.conf"), "metrics { address 9313; }\n");
        Path hocon = Files.writeString(directory.resolve("metrics.hocon"), "pmult.metrics.address = \"9313\"\n");
        for (Path file : List.of(gnu, hocon)) {
            SocketEndpoint.Inet metrics = ConfigLoader.load(file).metricsAddress().orElseThrow();
            assertTrue(InetAddress.getByName(metrics.host()).isLoopbackAddress(), file + ": " + metrics);
            assertEquals(9313, metrics.port());
        }
    }

    @Test
    void hasBoundedLimitsByDefaultAndTheBuiltInConfigurationUsesThem() {
        Limits limits = PmultConfig.defaults().limits();
        assertEquals(Limits.DEFAULTS, limits);
        assertEquals(64, limits.maxConnections());
        assertEquals(10_000, limits.maxSessionsPerConnection());
        assertEquals(1 << 20, limits.maxFrameLength());
        assertTrue(limits.idleTimeoutEnabled(), "idle connections are closed");
        assertTrue(limits.idleTimeout().compareTo(Duration.ofMinutes(10)) > 0,
                "longer than RFC 5321's longest SMTP timeout, so a live session is never cut");
    }

    @Test
    void documentsEveryLimitAndExposureDefaultInTheConfigurationGuide() throws IOException {
        List<String> guide = Files.readAllLines(CONFIGURATION_GUIDE);
        Limits limits = Limits.DEFAULTS;
        assertEquals(String.valueOf(limits.maxConnections()), defaultColumn(guide, "limits.max-connections"));
        assertEquals(String.valueOf(limits.maxSessionsPerConnection()),
                defaultColumn(guide, "limits.max-sessions-per-connection"));
        assertEquals((limits.maxFrameLength() >> 20) + " MiB", defaultColumn(guide, "limits.max-frame-length"));
        assertEquals(Intervals.format(limits.idleTimeout()), defaultColumn(guide, "limits.idle-timeout"));
        assertEquals("`" + UnixSocketOptions.DEFAULTS.modeString() + "`", defaultColumn(guide, "unix-socket.mode"));
        assertTrue(defaultColumn(guide, "metrics.address").startsWith("off"));
        assertTrue(defaultColumn(guide, "listen = [URL, …]").contains("inet://127.0.0.1:3333"));
    }

    /** The Default column of the settings-table row whose HOCON column is {@code `key`} (or starts with it). */
    private static String defaultColumn(List<String> guide, String key) {
        for (String line : guide) {
            String[] cells = line.split("\\|");
            if (cells.length >= 5 && cells[2].strip().startsWith("`" + key)) {
                return cells[3].strip();
            }
        }
        throw new AssertionError("docs/configuration.md has no settings row for " + key);
    }

    private static void assertAllLoopback(List<ListenConfig> listen) throws Exception {
        for (ListenConfig socket : listen) {
            SocketEndpoint.Inet inet = assertInstanceOf(SocketEndpoint.Inet.class, socket.endpoint());
            assertTrue(InetAddress.getByName(inet.host()).isLoopbackAddress(), socket.endpoint() + " is not loopback");
        }
    }
}
