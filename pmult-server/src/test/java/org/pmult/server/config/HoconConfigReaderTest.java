package org.pmult.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.milter.client.DefaultAction;

import org.pmult.server.condition.Condition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HoconConfigReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private PmultConfig read(String hocon) throws IOException {
        return ConfigLoader.read(write("pmult.hocon", hocon)).config();
    }

    private ConfigException failure(String hocon) throws IOException {
        Path file = write("pmult.hocon", hocon);
        return assertThrows(ConfigException.class, () -> ConfigLoader.read(file));
    }

    private String where(int line) {
        return dir.resolve("pmult.hocon") + ":" + line;
    }

    @Test
    void refusesAPidfileNameWithANulByteAtItsLine() throws IOException {
        ConfigException e = failure("pmult.listen = [\"inet://127.0.0.1:3333\"]\npmult.pidfile = \"/run/a\\u0000b.pid\"\n");
        assertEquals(where(2) + ": pidfile: bad file name \"/run/a\\0b.pid\" (Nul character not allowed)", e.getMessage());
    }

    @Test
    void readsAClientsConditionAndNamesAMistakeByLineAndColumn() throws IOException {
        PmultConfig config = read("""
                pmult.clients.local {
                  url = "/l"
                  condition = "all(not(client-address(::ffff:192.0.2.0/120)), size-above(10M))"
                }
                pmult.clients.other.url = "/o"
                """);
        assertEquals("all(not(client-address(::ffff:192.0.2.0/120)), size-above(10485760))",
                config.clients().get(0).condition().text());
        assertEquals(Condition.ALWAYS, config.clients().get(1).condition());

        ConfigException bad = failure("pmult.clients.mfd {\n  url = \"/x\"\n  condition = \"not(helo(a), helo(b))\"\n}\n");
        assertEquals(where(3) + ": clients.mfd.condition: column 12: not() takes one condition (expected: not(c); for"
                + " several write not(any(...)))", bad.getMessage());
        ConfigException prefix = failure("pmult.clients.mfd {\n  url = \"/x\"\n  condition = \"client-address(2001:db8::/200)\"\n}\n");
        assertTrue(prefix.getMessage().startsWith(where(3) + ": clients.mfd.condition: column 16: \"2001:db8::/200\": prefix"
                + " length \"200\" (expected: 0..128"), prefix.getMessage());
    }

    @Test
    void aListOfUrlsNamesTheInstancesOfOneClient() throws IOException {
        PmultConfig config = read("""
                pmult.clients.mfd {
                  url = ["unix:///run/mfd1.sock", "inet:8891@10.0.0.5"]
                  balance = round-robin
                }
                """);

        ClientConfig mfd = config.clients().get(0);
        assertEquals(List.of(SocketEndpoint.parse("unix:///run/mfd1.sock"), SocketEndpoint.parse("inet:8891@10.0.0.5")),
                mfd.instances().urls());
        assertEquals(ClientInstances.Balance.ROUND_ROBIN, mfd.instances().balance());
    }

    @Test
    void readsAFullConfiguration() throws IOException {
        PmultConfig config = read("""
                pmult {
                  listen = ["unix:///run/pmult/pmult.sock", { url = "inet:3333@127.0.0.1", mode = "0600", group = "meta1s" }]
                  unix-socket { mode = 660, owner = "pmult" }
                  pidfile = /run/pmult/pmult.pid
                  debug = "debug"
                  clients {
                    mfd {
                      url = "unix:///run/mailfromd/mailfromd.sock"
                      timeouts { connect = 30s, read = "1 hour 30 minutes", eom = 10 minutes }
                      default-action = reject
                      log-level = ">info"
                      v2-macros { eom = ["i", "msg_id"] }
                      connections { spare = 0, reuse = true, idle-timeout = 2 minutes, max-pending-connects = 1 }
                    }
                    spam { url = "inet:127.0.0.1:8890", evaluation-mode = true, quarantine-action = reject }
                  }
                  client-defaults.timeouts.write = 20s
                  macros {
                    define { mail = [auth_type, auth_authen], eom = [msgid] }
                    sendmail-names { msgid = "{msg_id}" }
                    defaults { daemon_name = "mx.example.org", "{if_addr}" = "192.0.2.25" }
                    v2-defaults.connect = [j, client_addr]
                  }
                  metrics.address = "0.0.0.0:9313"
                  limits { max-connections = 8, max-sessions-per-connection = 100, max-frame-length = 2MiB, idle-timeout = 0 }
                  shutdown-grace = 5s
                  reconnect { initial = 500ms, max = 1s }
                  event-loops { threads = 2, spin = 50us }
                }
                """);

        ListenConfig unix = config.listen().get(0);
        assertEquals(new UnixSocketOptions(0660, Optional.of("pmult"), Optional.empty()), unix.unixSocket());
        ListenConfig inet = config.listen().get(1);
        assertEquals("inet:3333@127.0.0.1", inet.endpoint().toString());
        assertEquals(new UnixSocketOptions(0600, Optional.of("pmult"), Optional.of("meta1s")), inet.unixSocket());
        assertEquals(Optional.of(Path.of("/run/pmult/pmult.pid")), config.pidfile());
        assertEquals(DebugSpec.Level.DEBUG, config.debug().loggers().get(DebugSpec.PMULT_LOGGER));

        assertEquals(List.of("mfd", "spam"), config.clients().stream().map(ClientConfig::name).toList());
        ClientConfig mfd = config.clients().get(0);
        assertEquals(new ClientTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(90), Duration.ofSeconds(20), Duration.ofMinutes(10)),
                mfd.timeouts());
        assertEquals(DefaultAction.REJECT, mfd.defaultAction());
        assertEquals(Optional.of(">info"), mfd.logLevel());
        assertEquals(new ClientConnections(0, true, ClientConnections.DEFAULT_MAX_IDLE, Duration.ofMinutes(2), 1), mfd.connections());
        assertEquals(List.of("i", "{msg_id}"), mfd.v2Macros().get(MacroStage.EOM));
        assertEquals(List.of("j", "{client_addr}"), mfd.v2Macros().get(MacroStage.CONNECT));
        ClientConfig spam = config.clients().get(1);
        assertEquals(new ClientTimeouts(Duration.ofSeconds(300), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(300)),
                spam.timeouts());
        assertEquals(DefaultAction.TEMPFAIL, spam.defaultAction());
        assertTrue(spam.evaluationMode());
        assertFalse(config.clients().get(0).evaluationMode());
        assertEquals(QuarantineAction.REJECT, spam.quarantineAction());
        assertEquals(QuarantineAction.TEMPFAIL, config.clients().get(0).quarantineAction(), "the default");
        assertEquals(List.of("i"), spam.v2Macros().get(MacroStage.EOM));

        assertEquals(List.of("auth_type", "auth_authen"), config.macros().requested().get(MacroStage.MAIL));
        assertEquals(List.of("msgid"), config.macros().requested().get(MacroStage.EOM));
        assertEquals("{msg_id}", config.macros().sendmailNames().get("msgid"));
        assertEquals(Map.of("{daemon_name}", "mx.example.org", "{if_addr}", "192.0.2.25"), config.macros().defaults());
        assertEquals("0.0.0.0:9313", config.metricsAddress().orElseThrow().toString());
        assertEquals(new Limits(8, 100, 100, 2 << 20, Duration.ZERO), config.limits());
        assertEquals(Duration.ofSeconds(5), config.shutdownGrace());
        assertEquals(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(1)), config.reconnect());
        assertEquals(new EventLoops(2, Duration.ofNanos(50_000)), config.eventLoops());
    }

    @Test
    void ordersClientsAsWrittenOrByClientOrder() throws IOException {
        String clients = "pmult.clients {\n zeta { url = \"/z\" }\n alpha { url = \"/a\" }\n mid { url = \"/m\" }\n}\n";
        assertEquals(List.of("zeta", "alpha", "mid"),
                read(clients).clients().stream().map(ClientConfig::name).toList());
        assertEquals(List.of("mid", "zeta", "alpha"),
                read("pmult.clients {\n zeta { url = \"/z\" }\n alpha { url = \"/a\" }\n mid { url = \"/m\" }\n}\n"
                        + "pmult.client-order = [mid, zeta, alpha]").clients().stream().map(ClientConfig::name).toList());
    }

    @Test
    void readsJsonAndPropertiesFiles() throws IOException {
        PmultConfig json = ConfigLoader.read(write("pmult.json",
                "{\"pmult\": {\"listen\": [\"inet://127.0.0.1:4444\"], \"clients\": {\"mfd\": {\"url\": \"/run/mfd.sock\"}}}}")).config();
        assertEquals("inet://127.0.0.1:4444", json.listen().get(0).endpoint().toString());
        assertEquals("mfd", json.clients().get(0).name());

        PmultConfig properties = ConfigLoader.read(write("pmult.properties",
                "pmult.clients.mfd.url=/run/mfd.sock\npmult.clients.mfd.timeouts.read=30s\npmult.limits.max-connections=5\n")).config();
        assertEquals(Duration.ofSeconds(30), properties.clients().get(0).timeouts().read());
        assertEquals(5, properties.limits().maxConnections());
    }

    @Test
    void supportsSubstitutionsAndHelperRoots() throws IOException {
        PmultConfig config = read("""
                sockets { mfd = "/run/mfd.sock" }
                pmult.clients.mfd.url = ${sockets.mfd}
                """);
        assertEquals(SocketEndpoint.parse("/run/mfd.sock"), config.clients().get(0).url());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            `pmult {\\n  limits {\\n    max-conections = 5\\n  }\\n}`             | 3 | unknown key "limits.max-conections" (did you mean "max-connections"?)
            `pmult.listn = []`                                                   | 1 | unknown key "listn" (did you mean "listen"?)
            `pmult.clients.mfd {\\n url = /x\\n timout = 5s\\n}`                 | 3 | unknown key "clients.mfd.timout" (did you mean "timeouts"?)
            `pmult.clients.mfd {\\n url = /x\\n timeouts.raed = 5s\\n}`          | 3 | unknown key "clients.mfd.timeouts.raed" (did you mean "read"?)
            `pmult.clients.mfd {\\n url = /x\\n v2-macros.ehlo = [s]\\n}`        | 3 | unknown stage "clients.mfd.v2-macros.ehlo" (expected: connect, helo, mail, rcpt, data, eoh or eom)
            `pmult.clients.mfd = "/x"`                                            | 1 | clients.mfd: expected an object { url = ..., ... }
            `pmult.macros.define.eoh = [taid]`                                   | 1 | unknown key "macros.define.eoh" (did you mean "eom"?)
            `pmult.limits.max-connections.x = 1`                                 | 1 | unknown key "limits.max-connections.x" (limits.max-connections is not an object)
            `pmult.limits = 5`                                                   | 1 | limits: expected an object { ... }
            `listen = ["inet://127.0.0.1:1"]`                                    | 1 | key "listen" belongs under pmult (write pmult.listen)
            `pmult = 5`                                                          | 1 | pmult: expected an object { ... }
            `pmult.clients.mfd {\\n url = /x\\n timeouts.read = 10 parsecs\\n}`  | 3 | clients.mfd.timeouts.read: bad duration "10 parsecs" (expected: e.g. 10s, 5 minutes or "1 hour 30 minutes")
            `pmult.clients.mfd {\\n url = /x\\n timeouts.read = 300\\n}`         | 3 | clients.mfd.timeouts.read: bad duration 300 (expected: a unit, e.g. 300s or 300 seconds; a bare number would be milliseconds in HOCON)
            `pmult.clients.mfd {\\n url = /x\\n timeouts.eom = 2 days\\n}`       | 3 | clients.mfd.timeouts.eom: 2 days (expected: > 0 and <= 1 day)
            `pmult.clients.mfd {\\n url = /x\\n default-action = quarantine\\n}` | 3 | clients.mfd.default-action: "quarantine" (expected: tempfail, accept, reject or continue)
            `pmult.clients.mfd {\\n url = /x\\n type = pmilter\\n}`              | 3 | clients.mfd.type: "pmilter" is not supported (expected: milter)
            `pmult.clients.mfd {\\n url = /x\\n connections.spare = 65\\n}`     | 3 | clients.mfd.connections.spare: 65 (expected: 0..64, the most idle connections per event loop)
            `pmult.clients.mfd {\\n url = /x\\n connections.max-idle = 0\\n}`     | 3 | clients.mfd.connections.max-idle: 0 (expected: at least the spare connections per event loop, 1)
            `pmult.clients.mfd {\\n url = /x\\n connections.max-pending-connects = 0\\n}` | 3 | clients.mfd.connections.max-pending-connects: 0 (expected: 1..4096)
            `pmult.clients.mfd {\\n url = /x\\n connections.reuse = maybe\\n}`  | 3 | clients.mfd.connections.reuse: "maybe" (expected: true or false)
            `pmult.clients.mfd {\\n url = /x\\n evaluation-mode = yes-ish\\n}`  | 3 | clients.mfd.evaluation-mode: "yes-ish" (expected: true or false)
            `pmult.clients.mfd {\\n url = /x\\n quarantine-action = hold\\n}`   | 3 | clients.mfd.quarantine-action: "hold" (expected: tempfail, reject, discard or accept)
            `pmult.clients.mfd {\\n url = [/x, /x]\\n}`                        | 2 | clients.mfd.url: /x is given twice
            `pmult.clients.mfd {\\n url = []\\n}`                              | 1 | clients.mfd: missing url (expected: the milter's socket, e.g. unix:///run/mailfromd/mailfromd.sock, or several for equivalent instances)
            `pmult.clients.mfd {\\n url = /x\\n balance = random\\n}`         | 3 | clients.mfd.balance: "random" (expected: least-outstanding or round-robin)
            `pmult.clients.mfd {\\n log-level = info\\n}`                        | 1 | clients.mfd: missing url (expected: the milter's socket, e.g. unix:///run/mailfromd/mailfromd.sock, or several for equivalent instances)
            `pmult.clients.mfd {\\n url = "inet://h:70000"\\n}`                  | 2 | clients.mfd.url: bad port 70000 in "inet://h:70000" (expected: 1..65535)
            `pmult.listen = ["inet://h:70000"]`                                  | 1 | listen: bad port 70000 in "inet://h:70000" (expected: 1..65535)
            `pmult.listen = []`                                                  | 1 | listen: no socket (expected: at least one listen address)
            `pmult.listen = [5]`                                                 | 1 | listen: number element (expected: an address string or { url = ..., mode = ..., owner = ..., group = ... })
            `pmult.listen = [{ url = "/a", perms = 1 }]`                         | 1 | listen: unknown key "perms" (expected: url, mode, owner or group)
            `pmult.listen = [{ url = "/a", mode = "rw" }]`                       | 1 | listen.mode: bad mode "rw" (expected: octal permission bits such as 0660)
            `pmult.unix-socket.mode = 999`                                       | 1 | unix-socket.mode: bad mode "999" (expected: octal permission bits such as 0660)
            `pmult.limits.max-connections = 0`                                   | 1 | limits.max-connections: 0 (expected: 1..100000)
            `pmult.limits.max-connections = lots`                                | 1 | limits.max-connections: "lots" (expected: a whole number)
            `pmult.limits.max-frame-length = 1KiB`                               | 1 | limits.max-frame-length: 1024 (expected: 65640..67108864)
            `pmult.reconnect {\\n initial = 1m\\n max = 1s\\n}`                  | 3 | reconnect.max: 1 second (expected: at least the first probe interval, 1 minute)
            `pmult.client-order = [a]`                                           | 1 | client-order: [a] (expected: each of [] exactly once)
            `pmult.macros.sendmail-names.msgid = "{bad name}"`                   | 1 | macros.sendmail-names.msgid: bad Sendmail macro name "{bad name}" (expected: one character such as i, or a name such as {client_addr})
            `pmult.macros.defaults."{bad name}" = x`                           | 1 | macros.defaults.{bad name}: bad Sendmail macro name "{bad name}" (expected: one character such as i, or a name such as {client_addr})
            `pmult.debug = trcae`                                                | 1 | debug: bad debug level "trcae": expected: 0..9, off, error, warn, info, debug, trace, wire, LOGGER=LEVEL, or Mailutils syntax such as pmult.trace7
            `pmult.metrics.address = "unix:/m"`                                  | 1 | metrics.address: bad address "unix:/m" (expected: PORT, HOST:PORT or [ADDR]:PORT)
            """)
    void refusesBadKeysAndValuesWithFileLineAndKey(String hocon, int line, String problem) throws IOException {
        ConfigException error = failure(hocon.replace("\\n", "\n"));
        assertEquals(where(line) + ": " + problem, error.getMessage());
    }

    @Test
    void placesEveryErrorAtTheKeyThatCausedIt() throws IOException {
        ConfigException sameSocket = failure("pmult.listen = [\n  \"/run/a.sock\",\n  \"unix:/run/a.sock\"\n]\n");
        assertEquals(where(3) + ": listen: unix:/run/a.sock is already given at line 2", sameSocket.getMessage());

        ConfigException inherited = failure("pmult.client-defaults.timeouts.read = 2 days\npmult.clients.mfd.url = /x\n");
        assertEquals(where(1) + ": client-defaults.timeouts.read: 2 days (expected: > 0 and <= 1 day)", inherited.getMessage());

        ConfigException grace = failure("pmult {\n  listen = [\"/a\"]\n  shutdown-grace = 2 hours\n}\n");
        assertEquals(where(3) + ": shutdown-grace: 2 hours (expected: 0 .. 1 hour)", grace.getMessage());
    }

    @Test
    void reportsHoconSyntaxErrorsWithLine() throws IOException {
        ConfigException error = failure("pmult {\n  listen = [\n}\n");
        assertTrue(error.getMessage().startsWith(where(3) + ": "), error.getMessage());
    }

    @Test
    void refusesAFileWithoutPmultSettings() throws IOException {
        ConfigException error = failure("other.key = 1\n");
        assertEquals(dir.resolve("pmult.hocon") + ": no pmult settings (expected keys under pmult, e.g. pmult.listen = [\"inet://127.0.0.1:3333\"])",
                error.getMessage());
    }
}
