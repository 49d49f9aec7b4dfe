package org.pmult.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.client.DefaultAction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** reference.conf documents every key, every key has an effect, and its defaults match the Java constants. */
class ReferenceConfTest {

    /** A value different from the default for every leaf key of reference.conf. */
    private static final Map<String, String> ALTERNATIVES = Map.ofEntries(
            entry("listen", "[\"inet://127.0.0.1:4444\"]"),
            entry("unix-socket.mode", "\"0600\""),
            entry("unix-socket.owner", "pmult"),
            entry("unix-socket.group", "meta1s"),
            entry("pidfile", "/run/p.pid"),
            entry("debug", "debug"),
            entry("client-order", "[d, c]"),
            entry("client-defaults.url", "\"/other\""),
            entry("client-defaults.timeouts.connect", "1s"),
            entry("client-defaults.timeouts.read", "2s"),
            entry("client-defaults.timeouts.write", "3s"),
            entry("client-defaults.timeouts.eom", "4s"),
            entry("client-defaults.default-action", "accept"),
            entry("client-defaults.log-level", "\">info\""),
            entry("client-defaults.connections.spare", "2"),
            entry("client-defaults.connections.reuse", "false"),
            entry("client-defaults.evaluation-mode", "true"),
            entry("client-defaults.balance", "round-robin"),
            entry("client-defaults.quarantine-action", "accept"),
            entry("client-defaults.condition", "\"not(authenticated)\""),
            entry("client-defaults.connections.max-idle", "3"),
            entry("client-defaults.connections.idle-timeout", "5s"),
            entry("client-defaults.connections.max-pending-connects", "4"),
            entry("macros.define.connect", "[hostname]"),
            entry("macros.define.helo", "[hostname]"),
            entry("macros.define.mail", "[taid]"),
            entry("macros.define.rcpt", "[taid]"),
            entry("macros.define.data", "[c]"),
            entry("macros.define.eom", "[msgid]"),
            entry("macros.v2-defaults.connect", "[x]"),
            entry("macros.v2-defaults.helo", "[x]"),
            entry("macros.v2-defaults.mail", "[x]"),
            entry("macros.v2-defaults.rcpt", "[x]"),
            entry("macros.v2-defaults.data", "[x]"),
            entry("macros.v2-defaults.eoh", "[x]"),
            entry("macros.v2-defaults.eom", "[x]"),
            entry("metrics.address", "\"9313\""),
            entry("limits.max-connections", "5"),
            entry("limits.max-sessions-per-connection", "50"),
            entry("limits.advertised-max-sessions", "7"),
            entry("limits.max-frame-length", "2MiB"),
            entry("limits.idle-timeout", "1 hour"),
            entry("shutdown-grace", "1s"),
            entry("reconnect.initial", "200ms"),
            entry("reconnect.max", "1s"),
            entry("event-loops.threads", "3"),
            entry("event-loops.spin", "50us"));

    /** Keys that are only validated: they must be readable, but have a single legal value. */
    private static final Map<String, String> VALIDATED_ONLY = Map.of("client-defaults.type", "pmilter");

    /** Two clients taking everything from client-defaults, so that client keys show their effect. */
    private static final String BASE = """
            pmult.client-defaults.url = "/base"
            pmult.clients {
              c {}
              d {}
            }
            """;

    @TempDir
    Path dir;

    private static Config reference() {
        return HoconConfigReader.reference();
    }

    private static Set<String> leafKeys() {
        Set<String> keys = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> entry : reference().getConfig("pmult").entrySet()) {
            keys.add(entry.getKey());
        }
        return keys;
    }

    @Test
    void documentsEveryKeyWithAComment() {
        Config pmult = reference().getConfig("pmult");
        List<String> undocumented = new ArrayList<>();
        for (String key : leafKeys()) {
            List<String> path = ConfigUtil.splitPath(key);
            boolean documented = !pmult.getValue(key).origin().comments().isEmpty();
            if (!documented && path.size() > 1) {
                String parent = ConfigUtil.joinPath(path.subList(0, path.size() - 1));
                documented = !pmult.getValue(parent).origin().comments().isEmpty();
            }
            if (!documented) {
                undocumented.add(key);
            }
        }
        for (String objectKey : List.of("clients", "client-defaults.v2-macros", "macros.sendmail-names")) {
            if (pmult.getValue(objectKey).origin().comments().isEmpty()) {
                undocumented.add(objectKey);
            }
        }
        assertEquals(List.of(), undocumented);
    }

    @Test
    void everyKeyHasAnAlternativeInThisTest() {
        Set<String> covered = new TreeSet<>(ALTERNATIVES.keySet());
        covered.addAll(VALIDATED_ONLY.keySet());
        assertEquals(leafKeys(), covered, "reference.conf keys vs. the keys this test changes");
    }

    @Test
    void everyKeyChangesTheConfiguration() throws IOException {
        PmultConfig base = load(BASE);
        Map<String, String> ineffective = new TreeMap<>();
        for (Map.Entry<String, String> alternative : ALTERNATIVES.entrySet()) {
            PmultConfig changed = load(BASE + "pmult." + alternative.getKey() + " = " + alternative.getValue() + "\n");
            if (changed.equals(base)) {
                ineffective.put(alternative.getKey(), alternative.getValue());
            }
        }
        assertEquals(Map.of(), ineffective, "keys whose change had no effect");
    }

    @Test
    void validatedOnlyKeysAreRead() throws IOException {
        for (Map.Entry<String, String> key : VALIDATED_ONLY.entrySet()) {
            Path file = dir.resolve("bad.hocon");
            Files.writeString(file, BASE + "pmult." + key.getKey() + " = " + key.getValue() + "\n");
            ConfigException error = assertThrows(ConfigException.class, () -> ConfigLoader.read(file));
            assertTrue(error.getMessage().contains(key.getKey().substring(key.getKey().lastIndexOf('.') + 1)), error.getMessage());
        }
    }

    @Test
    void emptyObjectKeysTakeEntries() throws IOException {
        PmultConfig config = load(BASE + """
                pmult.client-defaults.v2-macros.helo = [helo_name]
                pmult.macros.sendmail-names.taid = queue_id
                """);
        assertEquals(List.of("{helo_name}"), config.clients().get(0).v2Macros().get(MacroStage.HELO));
        assertEquals("{queue_id}", config.macros().sendmailNames().get("taid"));
    }

    @Test
    void defaultsMatchTheDocumentedConstants() throws IOException {
        PmultConfig defaults = ConfigLoader.builtinDefaults();
        assertEquals(List.of(ListenConfig.of(SocketEndpoint.parse("inet://127.0.0.1:3333"))), defaults.listen());
        assertEquals(UnixSocketOptions.DEFAULTS, defaults.listen().get(0).unixSocket());
        assertEquals(List.of(), defaults.clients());
        assertEquals(MacroConfig.DEFAULTS, defaults.macros());
        assertEquals(Optional.empty(), defaults.pidfile());
        assertTrue(defaults.debug().isDefault());
        assertEquals(Optional.empty(), defaults.metricsAddress());
        assertEquals(Limits.DEFAULTS, defaults.limits());
        assertEquals(PmultConfig.DEFAULT_SHUTDOWN_GRACE, defaults.shutdownGrace());
        assertEquals(Backoff.DEFAULTS, defaults.reconnect());
        assertEquals(EventLoops.DEFAULTS, defaults.eventLoops());

        ClientConfig client = load(BASE).clients().get(0);
        assertEquals(ClientTimeouts.DEFAULTS, client.timeouts());
        assertEquals(DefaultAction.TEMPFAIL, client.defaultAction());
        assertEquals(ClientConnections.DEFAULTS, client.connections());
        assertEquals(Optional.empty(), client.logLevel());
        assertEquals(MacroConfig.DEFAULT_V2, client.v2Macros());
        assertEquals(Duration.ofMinutes(15), defaults.limits().idleTimeout());
    }

    @Test
    void referenceHasNoStageKeysOutsideTheStageVocabulary() {
        ConfigObject define = reference().getObject("pmult.macros.define");
        ConfigObject v2 = reference().getObject("pmult.macros.v2-defaults");
        for (String stage : define.keySet()) {
            assertTrue(MacroStage.fromConfigName(stage).orElseThrow().isMeta1Stage(), stage);
        }
        assertEquals(MacroStage.values().length, v2.size());
    }

    private PmultConfig load(String hocon) throws IOException {
        Path file = dir.resolve("t.hocon");
        Files.writeString(file, hocon);
        return ConfigLoader.read(file).config();
    }
}
