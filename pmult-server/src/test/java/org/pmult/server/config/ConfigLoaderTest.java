package org.pmult.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    /** Surefire runs in the module directory. */
    private static final Path EXAMPLES = Path.of("..", "docs", "examples");

    @TempDir
    Path dir;

    @Test
    void choosesTheSyntaxByFileName() {
        assertEquals(ConfigFormat.HOCON, ConfigFormat.of(Path.of("/etc/pmult/pmult.hocon")));
        assertEquals(ConfigFormat.HOCON, ConfigFormat.of(Path.of("pmult.JSON")));
        assertEquals(ConfigFormat.HOCON, ConfigFormat.of(Path.of("pmult.properties")));
        assertEquals(ConfigFormat.GNU_PMULT, ConfigFormat.of(Path.of("/etc/pmult/pmult.conf")));
        assertEquals(ConfigFormat.GNU_PMULT, ConfigFormat.of(Path.of("/etc/mailfromd.conf")));
        assertEquals(ConfigFormat.GNU_PMULT, ConfigFormat.of(Path.of("pmult")));
    }

    @Test
    void builtinDefaultsListenOnLoopbackWithoutClients() {
        LoadedConfig builtin = ConfigLoader.readBuiltin();
        assertEquals(ConfigFormat.BUILTIN, builtin.format());
        assertEquals(Optional.empty(), builtin.source());
        assertEquals("inet://127.0.0.1:3333", builtin.config().listen().get(0).endpoint().toString());
        assertEquals(List.of(), builtin.config().clients());
        assertEquals(List.of(
                ConfigNote.info("no configuration file; using the built-in defaults (listen inet://127.0.0.1:3333)"),
                ConfigNote.warning("no clients configured: pmult answers CONTINUE to every MeTA1 command (add a client block naming a milter)")),
                builtin.notes());
        assertEquals(builtin.config(), PmultConfig.defaults());
    }

    @Test
    void startupReadsTheExplicitFileThenTheDefaultFileThenBuiltins() throws IOException {
        Path defaultFile = dir.resolve("pmult.conf");
        Path explicit = Files.writeString(dir.resolve("other.conf"), "listen inet://127.0.0.1:5555;");

        assertEquals(ConfigFormat.BUILTIN, ConfigLoader.readStartupConfig(Optional.empty(), defaultFile, dir.resolve("no-mailfromd")).format());

        Files.writeString(defaultFile, "listen inet://127.0.0.1:4444;");
        LoadedConfig fromDefault = ConfigLoader.readStartupConfig(Optional.empty(), defaultFile, dir.resolve("no-mailfromd"));
        assertEquals(Optional.of(defaultFile), fromDefault.source());
        assertEquals("inet://127.0.0.1:4444", fromDefault.config().listen().get(0).endpoint().toString());

        LoadedConfig fromExplicit = ConfigLoader.readStartupConfig(Optional.of(explicit), defaultFile, dir.resolve("no-mailfromd"));
        assertEquals("inet://127.0.0.1:5555", fromExplicit.config().listen().get(0).endpoint().toString());

        assertThrows(ConfigException.class, () -> ConfigLoader.readStartupConfig(Optional.of(dir.resolve("missing.conf")), defaultFile, dir.resolve("no-mailfromd")));
    }

    @Test
    void withoutAFileMailfromdsDefaultSocketBecomesTheClientIfItExists() throws IOException {
        Path absent = dir.resolve("pmult.conf");
        Path socketPath = dir.resolve("mailfrom");
        assertEquals(List.of(), ConfigLoader.readStartupConfig(Optional.empty(), absent, socketPath).config().clients(),
                "no socket: no clients, as before");
        Files.writeString(socketPath, "not a socket");
        assertEquals(List.of(), ConfigLoader.readStartupConfig(Optional.empty(), absent, socketPath).config().clients(),
                "a regular file is no mailfromd");
        Files.delete(socketPath);

        try (ServerSocketChannel mailfromd = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            mailfromd.bind(UnixDomainSocketAddress.of(socketPath));
            LoadedConfig loaded = ConfigLoader.readStartupConfig(Optional.empty(), absent, socketPath);

            assertEquals(ConfigFormat.BUILTIN, loaded.format());
            assertEquals(1, loaded.config().clients().size());
            assertEquals("mailfromd", loaded.config().clients().get(0).name());
            assertEquals("unix://" + socketPath, loaded.config().clients().get(0).url().toString());
            assertEquals(PmultConfig.defaults().listen(), loaded.config().listen());
            assertEquals(List.of(ConfigNote.info("no configuration file; using the built-in defaults (listen inet://127.0.0.1:3333)"
                    + " and mailfromd's default socket unix:" + socketPath + " as client \"mailfromd\""
                    + " (write /etc/pmult/pmult.conf to choose other milters)")), loaded.notes());
        } finally {
            Files.deleteIfExists(socketPath);
        }
    }

    @Test
    void mailfromdsDefaultSocketIsDebiansDefault() {
        // mailfromd --show-defaults: "statedir:/var/lib/mailfromd", "socket:mailfrom"
        assertEquals(Path.of("/var/lib/mailfromd/mailfrom"), ConfigLoader.MAILFROMD_DEFAULT_SOCKET);
    }

    @Test
    void loadReturnsTheConfiguration() throws IOException {
        Path file = Files.writeString(dir.resolve("p.hocon"), "pmult.clients.mfd.url = \"/run/mfd.sock\"");
        assertEquals("mfd", ConfigLoader.load(file).clients().get(0).name());
    }

    @Test
    void refusesADirectory() {
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigLoader.read(dir));
        assertEquals(dir + ": is a directory (expected: a configuration file)", error.getMessage());
    }

    @Test
    void bothExamplesLoadAndDescribeTheSameSetup() {
        LoadedConfig gnu = ConfigLoader.read(EXAMPLES.resolve("pmult.conf"));
        LoadedConfig hocon = ConfigLoader.read(EXAMPLES.resolve("pmult.hocon"));

        assertEquals(ConfigFormat.GNU_PMULT, gnu.format());
        assertEquals(ConfigFormat.HOCON, hocon.format());
        assertEquals(gnu.config(), hocon.config());
        assertEquals(List.of("mfd", "spam", "trial"), gnu.config().clients().stream().map(ClientConfig::name).toList());
        assertTrue(gnu.config().clients().get(2).evaluationMode());
        assertEquals(2, gnu.config().listen().size());
        assertTrue(gnu.notes().isEmpty(), gnu.notes().toString());
        assertTrue(hocon.notes().isEmpty(), hocon.notes().toString());
    }
}
