package org.pmult.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.milter.client.DefaultAction;

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

class GnuConfigReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private LoadedConfig read(String text) throws IOException {
        return ConfigLoader.read(write("pmult.conf", text));
    }

    private ConfigException failure(String text) throws IOException {
        Path file = write("pmult.conf", text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.read(file));
    }

    private String where(int line) {
        return dir.resolve("pmult.conf") + ":" + line;
    }

    private static List<String> noteTexts(LoadedConfig loaded) {
        return loaded.notes().stream().map(ConfigNote::text).toList();
    }

    @Test
    void namesTheLineOfTheFirstByteThatIsNotUtf8() throws IOException {
        Path file = dir.resolve("latin1.conf");
        Files.write(file, "listen inet://127.0.0.1:3333;\n# caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.read(file));
        assertTrue(e.getMessage().startsWith(file + ":2: not valid UTF-8 text"), e.getMessage());
    }

    @Test
    void refusesAMeta1MacroThePmilterProfileDoesNotKnowAtItsLine() throws IOException {
        ConfigException e = failure("listen inet://127.0.0.1:3333;\ndefine-macros mail (auth_type, auth_typo);\n");
        assertTrue(e.getMessage().startsWith(where(2) + ": define-macros: unknown MeTA1 macro \"auth_typo\""), e.getMessage());
    }

    @Test
    void refusesMoreDefineMacrosAtOneStageThanMeta1Allows() throws IOException {
        ConfigException e = failure("listen inet://127.0.0.1:3333;\ndefine-macros connect (hostname, client_resolve,"
                + " tls_version, tls_cipher_suite, tls_cipher_bits, tls_cert_subject, tls_cert_issuer, tls_alg_bits, tls_vrfy);\n");
        assertTrue(e.getMessage().contains("9 macros (expected: <= 8"), e.getMessage());
    }

    @Test
    void readsAClientsConditionAndNamesAMistakeByLineAndColumn() throws IOException {
        PmultConfig config = read("""
                listen inet://127.0.0.1:3333;
                client-defaults { condition "not(authenticated)"; }
                client local { url /l; condition "any(client-address(192.0.2.0/24, 2001:db8::/32), helo(\\"*.example.org\\"))"; }
                client other { url /o; }
                """).config();
        assertEquals("any(client-address(192.0.2.0/24, 2001:db8::/32), helo(*.example.org))",
                config.clients().get(0).condition().text());
        assertEquals("not(authenticated)", config.clients().get(1).condition().text(), "from client-defaults");

        ConfigException bad = failure("listen inet://127.0.0.1:3333;\nclient mfd {\n url /x;\n"
                + " condition \"client-address(10.0.0.0/8, mx.example)\";\n}\n");
        assertEquals(where(4) + ": client \"mfd\": condition: column 28: \"mx.example\" is not an IPv4 or IPv6 address block"
                + " (expected: e.g. 192.0.2.0/24, 2001:db8::/32 or 192.0.2.7)", bad.getMessage());
        ConfigException unknown = failure("client mfd { url /x; condition \"sender(example.org)\"; }\n");
        assertTrue(unknown.getMessage().startsWith(where(1) + ": client \"mfd\": condition: column 1: unknown condition"
                + " \"sender\" (expected: one of all, any, not, client-address"), unknown.getMessage());
        ConfigException type = failure("client mfd { url /x; condition \"size-below(big)\"; }\n");
        assertTrue(type.getMessage().contains("condition: column 12: size \"big\" (expected: a number of bytes"),
                type.getMessage());
    }

    @Test
    void readsTheGnuManualsExample() throws IOException {
        LoadedConfig loaded = read("""
                listen inet://127.0.0.1:3333;
                define-macros envmail (auth_type, auth_authen, auth_author, tls_vrfy);
                client {
                  type milter;
                  url /path/to/socket;
                  log-level ">info";
                  write-timeout 30 seconds;
                  read-timeout 5 minutes;
                  eom-timeout 5 minutes;
                }
                """);
        PmultConfig config = loaded.config();

        assertEquals(ConfigFormat.GNU_PMULT, loaded.format());
        assertEquals("inet://127.0.0.1:3333", config.listen().get(0).endpoint().toString());
        assertEquals(List.of("auth_type", "auth_authen", "auth_author", "tls_vrfy"), config.macros().requested().get(MacroStage.MAIL));
        ClientConfig client = config.clients().get(0);
        assertEquals("client1", client.name());
        assertEquals(SocketEndpoint.parse("/path/to/socket"), client.url());
        assertEquals(Optional.of(">info"), client.logLevel());
        assertEquals(new ClientTimeouts(Duration.ofSeconds(300), Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(5)),
                client.timeouts());
        assertEquals(DefaultAction.TEMPFAIL, client.defaultAction());
        assertEquals(MacroConfig.DEFAULT_V2, client.v2Macros());
    }

    @Test
    void usesGnuPmultsTimeoutDefaults() throws IOException {
        ClientConfig client = read("client mfd { url unix:///run/mfd.sock; }").config().clients().get(0);
        assertEquals(ClientTimeouts.DEFAULTS, client.timeouts());
        assertEquals(Duration.ofSeconds(300), client.timeouts().connect());
        assertEquals(Duration.ofSeconds(10), client.timeouts().read());
        assertEquals(Duration.ofSeconds(10), client.timeouts().write());
        assertEquals(Duration.ofSeconds(300), client.timeouts().eom());
    }

    @Test
    void readsEveryGnuStatement() throws IOException {
        LoadedConfig loaded = read("""
                listen unix:///run/pmult/pmult.sock;
                listen inet:3333@127.0.0.1;
                pidfile /run/pmult/pmult.pid;
                debug "pmult.trace1";
                max-threads-soft 2;
                max-threads-hard 6;
                max-pmilter-fd 10;
                pmilter-debug 5;
                define-macros connect (hostname, client_resolve);
                define-macros (envrcpt, dot) taid;
                define-macros header msgid;
                define-macros mail (auth_type);
                define-macros envfrom (auth_type, auth_authen);
                logging { syslog yes; facility mail; };
                client mfd {
                  type milter;
                  url inet://127.0.0.1:8891;
                  connect-timeout 1 minute;
                  read-timeout 15;
                  write-timeout "20 seconds";
                  eom-timeout 1 hour 30 minutes;
                  log-level "!debug, >info";
                  default-action accept;
                  spare-connections 2;
                  reuse-connections yes;
                  max-idle-connections 4;
                  idle-connection-timeout 1 minute;
                  max-pending-connects 32;
                }
                client spam { url unix:/run/spam.sock; default-action continue; evaluation-mode yes; quarantine-action discard; }
                """);
        PmultConfig config = loaded.config();

        assertEquals(List.of("unix:///run/pmult/pmult.sock", "inet:3333@127.0.0.1"),
                config.listen().stream().map(listen -> listen.endpoint().toString()).toList());
        assertEquals(Optional.of(Path.of("/run/pmult/pmult.pid")), config.pidfile());
        assertEquals("pmult.trace1", config.debug().text());
        assertEquals(DebugSpec.Level.DEBUG, config.debug().loggers().get(DebugSpec.PMULT_LOGGER));
        assertEquals(List.of("hostname", "client_resolve"), config.macros().requested().get(MacroStage.CONNECT));
        assertEquals(List.of("taid"), config.macros().requested().get(MacroStage.RCPT));
        assertEquals(List.of("taid"), config.macros().requested().get(MacroStage.EOM));
        assertEquals(List.of("msgid"), config.macros().requested().get(MacroStage.DATA));
        assertEquals(List.of("auth_type", "auth_authen"), config.macros().requested().get(MacroStage.MAIL));
        assertEquals(List.of(), config.macros().requested().get(MacroStage.HELO));

        ClientConfig mfd = config.clients().get(0);
        assertEquals("mfd", mfd.name());
        assertEquals(new ClientTimeouts(Duration.ofMinutes(1), Duration.ofSeconds(15), Duration.ofSeconds(20), Duration.ofMinutes(90)),
                mfd.timeouts());
        assertEquals(Optional.of("!debug, >info"), mfd.logLevel());
        assertEquals(DefaultAction.ACCEPT, mfd.defaultAction());
        assertEquals(new ClientConnections(2, true, 4, Duration.ofMinutes(1), 32), mfd.connections());
        assertEquals(ClientConnections.DEFAULTS, config.clients().get(1).connections());
        assertFalse(mfd.evaluationMode());
        assertTrue(config.clients().get(1).evaluationMode());
        assertEquals(QuarantineAction.TEMPFAIL, mfd.quarantineAction(), "the default");
        assertEquals(QuarantineAction.DISCARD, config.clients().get(1).quarantineAction());
        assertEquals("spam", config.clients().get(1).name());
        assertEquals(DefaultAction.CONTINUE, config.clients().get(1).defaultAction());

        List<String> notes = noteTexts(loaded);
        for (String knob : List.of("max-threads-soft", "max-threads-hard", "max-pmilter-fd", "pmilter-debug")) {
            assertTrue(notes.stream().anyMatch(note -> note.contains(": " + knob + " configures GNU pmult's MeTA1 pmilter library")),
                    knob + " in " + notes);
        }
        assertTrue(notes.contains(where(14) + ": logging block skipped: pmult logs through logback (use debug for levels)"), notes.toString());
    }

    @Test
    void readsDebugBlockLevel() throws IOException {
        LoadedConfig loaded = read("debug { level pmult.trace7; line-info yes; }");
        assertEquals(DebugSpec.Level.TRACE, loaded.config().debug().loggers().get(DebugSpec.WIRE_LOGGERS.get(0)));
        assertTrue(noteTexts(loaded).contains(where(1) + ": debug.line-info skipped (Mailutils debug setting with no counterpart in pmult)"));
    }

    @Test
    void numbersClientsWithoutIdentByPosition() throws IOException {
        PmultConfig config = read("client a { url /a; }\nclient { url /b; }\nclient { url /c; }").config();
        assertEquals(List.of("a", "client2", "client3"), config.clients().stream().map(ClientConfig::name).toList());
    }

    @Test
    void readsExtensions() throws IOException {
        PmultConfig config = read("""
                listen unix:///run/pmult/pmult.sock;
                unix-socket { mode 0600; owner pmult; group meta1s; }
                metrics { address 9313; }
                limits {
                  max-connections 8;
                  max-sessions-per-connection 500;
                  max-frame-length 2M;
                  idle-timeout 1 hour;
                }
                shutdown-grace 5 seconds;
                reconnect { initial 1 second; max 1 second; }
                event-loops { threads 2; spin 40 microseconds; }
                macro-name msgid "{msg_id}";
                macro-name taid queue_id;
                macro-default daemon_name "mx.example.org";
                macro-default "{if_addr}" 192.0.2.25;
                v2-macros connect (j, client_addr, "{daemon_name}");
                v2-macros (envfrom, eoh) (i);
                client-defaults { default-action reject; read-timeout 30 seconds; }
                client mfd { url /run/mfd.sock; v2-macros eom (i, msg_id); }
                client spam { url /run/spam.sock; default-action accept; }
                """).config();

        UnixSocketOptions unix = config.listen().get(0).unixSocket();
        assertEquals(0600, unix.mode());
        assertEquals(Optional.of("pmult"), unix.owner());
        assertEquals(Optional.of("meta1s"), unix.group());
        assertEquals("127.0.0.1:9313", config.metricsAddress().orElseThrow().toString());
        assertEquals(new Limits(8, 500, 500, 2 << 20, Duration.ofHours(1)), config.limits());
        assertEquals(Duration.ofSeconds(5), config.shutdownGrace());
        assertEquals(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)), config.reconnect());
        assertEquals(new EventLoops(2, Duration.ofNanos(40_000)), config.eventLoops());
        assertEquals("{msg_id}", config.macros().sendmailNames().get("msgid"));
        assertEquals("{queue_id}", config.macros().sendmailNames().get("taid"));
        assertEquals(Map.of("{daemon_name}", "mx.example.org", "{if_addr}", "192.0.2.25"), config.macros().defaults());
        assertEquals(List.of("j", "{client_addr}", "{daemon_name}"), config.macros().v2Defaults().get(MacroStage.CONNECT));
        assertEquals(List.of("i"), config.macros().v2Defaults().get(MacroStage.MAIL));
        assertEquals(List.of("i"), config.macros().v2Defaults().get(MacroStage.EOH));

        ClientConfig mfd = config.client("mfd").orElseThrow();
        assertEquals(DefaultAction.REJECT, mfd.defaultAction());
        assertEquals(Duration.ofSeconds(30), mfd.timeouts().read());
        assertEquals(List.of("i", "{msg_id}"), mfd.v2Macros().get(MacroStage.EOM));
        assertEquals(List.of("j", "{client_addr}", "{daemon_name}"), mfd.v2Macros().get(MacroStage.CONNECT));
        assertEquals(DefaultAction.ACCEPT, config.client("spam").orElseThrow().defaultAction());
        assertEquals(Duration.ofSeconds(30), config.client("spam").orElseThrow().timeouts().read());
    }

    @Test
    void defaultsWhatIsNotSet() throws IOException {
        LoadedConfig loaded = read("client mfd { url /run/mfd.sock; }");
        PmultConfig config = loaded.config();
        PmultConfig defaults = ConfigLoader.builtinDefaults();

        assertEquals(defaults.listen(), config.listen());
        assertEquals(defaults.limits(), config.limits());
        assertEquals(defaults.macros(), config.macros());
        assertEquals(Optional.empty(), config.metricsAddress());
        assertEquals(Optional.empty(), config.pidfile());
        assertTrue(config.debug().isDefault());
        assertTrue(noteTexts(loaded).contains(dir.resolve("pmult.conf") + ": no listen statement; listening on the default inet://127.0.0.1:3333"));
    }

    @Test
    void readsTheProgramPmultBlockOfASharedMailfromdConf() throws IOException {
        LoadedConfig loaded = read("""
                # mailfromd's own settings
                state-directory /var/lib/mailfromd;
                milter-timeout 5 minutes;
                pidfile /run/mailfromd.pid;
                server milter { listen inet://127.0.0.1:8891; };
                program calloutd { listen inet://127.0.0.1:8892; }
                program pmult {
                  listen inet://127.0.0.1:3333;
                  client mfd { url inet://127.0.0.1:8891; }
                }
                """);

        assertEquals(1, loaded.config().clients().size());
        assertEquals(Optional.empty(), loaded.config().pidfile(), "mailfromd's pidfile is not pmult's");
        assertTrue(noteTexts(loaded).contains(dir.resolve("pmult.conf")
                + ": using the program pmult block; 5 statement(s) outside it (for mailfromd or other programs) skipped"), noteTexts(loaded).toString());
    }

    @Test
    void refusesMailfromdStatementsWithoutAProgramPmultBlock() throws IOException {
        ConfigException error = failure("listen inet://127.0.0.1:3333;\nstate-directory /var/lib/mailfromd;\n");
        assertEquals(where(2) + ": unknown statement \"state-directory\"; if this file is shared with mailfromd,"
                + " put pmult's statements in a program pmult { ... } block", error.getMessage());
    }

    @Test
    void skipsOtherProgramBlocksWhenThereIsNoPmultBlock() throws IOException {
        LoadedConfig loaded = read("listen inet://127.0.0.1:3333;\nprogram calloutd { anything goes; }\n");
        assertTrue(noteTexts(loaded).contains(where(2) + ": program [calloutd] block skipped (it configures another program)"));
    }

    @Test
    void includesFilesRelativeToTheIncludingFile() throws IOException {
        write("conf.d/clients.conf", "client mfd { url /run/mfd.sock; }\ninclude more/extra.conf;\n");
        write("conf.d/more/extra.conf", "client spam { url /run/spam.sock; }\n");
        write("pmult.d/pmult", "pidfile /run/p.pid;\n");
        Files.createDirectories(dir.resolve("empty.d"));
        LoadedConfig loaded = read("include conf.d/clients.conf;\ninclude \"" + dir.resolve("pmult.d") + "\";\ninclude empty.d;\n");

        assertEquals(List.of("mfd", "spam"), loaded.config().clients().stream().map(ClientConfig::name).toList());
        assertEquals(Optional.of(Path.of("/run/p.pid")), loaded.config().pidfile());
        assertTrue(noteTexts(loaded).contains(where(3) + ": include: directory " + dir.resolve("empty.d")
                + " has no file named pmult; nothing included"));
    }

    @Test
    void reportsErrorsInIncludedFilesAtTheirOwnLine() throws IOException {
        write("clients.conf", "client mfd {\n  url /run/mfd.sock;\n  timout 5;\n}\n");
        ConfigException error = failure("include clients.conf;");
        assertEquals(dir.resolve("clients.conf") + ":3: unknown statement \"timout\" in client \"mfd\"", error.getMessage());
    }

    @Test
    void refusesIncludeLoopsAndMissingFiles() throws IOException {
        write("a.conf", "include pmult.conf;\n");
        ConfigException loop = failure("include a.conf;");
        assertTrue(loop.getMessage().startsWith(dir.resolve("a.conf") + ":1: include: \"" + dir.resolve("pmult.conf") + "\" includes itself"),
                loop.getMessage());

        ConfigException missing = failure("\ninclude nowhere.conf;");
        assertEquals(where(2) + ": include: no such file \"" + dir.resolve("nowhere.conf") + "\"", missing.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            `client mfd {\\n  url /x;\\n  timout 5;\\n}`              | 3 | unknown statement "timout" in client "mfd"
            `client mfd {\\n  url /x;\\n  read-timout 5;\\n}`         | 3 | unknown statement "read-timout" in client "mfd" (did you mean "read-timeout"?)
            `lisen inet://127.0.0.1:1;`                              | 1 | unknown statement "lisen" (did you mean "listen"?)
            `client mfd {\\n url /x;\\n read-timeout 10 parsecs;\\n}` | 3 | client "mfd": read-timeout: bad interval "10 parsecs": unknown unit "parsecs" (expected: seconds, minutes, hours, days, weeks or months, or a prefix such as s, min, h)
            `client mfd {\\n url /x;\\n eom-timeout 0;\\n}`          | 3 | client "mfd": eom-timeout: 0 seconds (expected: > 0 and <= 1 day)
            `client mfd { type pmilter; url /x; }`                   | 1 | client "mfd": type: "pmilter" is not supported (expected: milter)
            `client mfd { log-level info; }`                         | 1 | client "mfd": missing url (expected: the milter's socket, e.g. unix:///run/mailfromd/mailfromd.sock, or several for equivalent instances)
            `client mfd { url inet://h:70000; }`                     | 1 | client "mfd": url: bad port 70000 in "inet://h:70000" (expected: 1..65535)
            `client mfd { url /x; default-action quarantine; }`      | 1 | client "mfd": default-action: "quarantine" (expected: tempfail, accept, reject or continue)
            `client mfd { url /x; reuse-connections maybe; }`        | 1 | client "mfd": reuse-connections: "maybe" (expected: yes or no)
            `client mfd { url /x; evaluation-mode trial; }`          | 1 | client "mfd": evaluation-mode: "trial" (expected: yes or no)
            `client mfd {\n url /x;\n url /x;\n}`                  | 3 | client "mfd": url: /x is already given at line 2
            `client mfd { url /x; balance random; }`                 | 1 | client "mfd": balance: "random" (expected: least-outstanding or round-robin)
            `client mfd {\n url /x;\n quarantine-action hold;\n}`   | 3 | client "mfd": quarantine-action: "hold" (expected: tempfail, reject, discard or accept)
            `client mfd {\n url /x;\n spare-connections 70;\n}`    | 3 | client "mfd": spare-connections: 70 (expected: 0..64, the most idle connections per event loop)
            `client mfd {\n url /x;\n max-idle-connections 5000;\n}` | 3 | client "mfd": max-idle-connections: 5000 (expected: 0..1024)
            `client mfd {\n url /x;\n max-pending-connects 0;\n}`   | 3 | client "mfd": max-pending-connects: 0 (expected: 1..4096)
            `client a { url /x; }\\nclient a { url /y; }`            | 2 | client "a" is already defined at line 1
            `client a b { url /x; }`                                 | 1 | client takes at most one identifier (found [a, b])
            `client a;`                                              | 1 | client is a block statement (write client { ... })
            `listen inet://h:70000;`                                 | 1 | listen: bad port 70000 in "inet://h:70000" (expected: 1..65535)
            `listen /a;\\nlisten unix:/a;`                           | 2 | listen: unix:/a is already given at line 1
            `listen a b;`                                            | 1 | listen takes one value (found 2: [a, b])
            `listen (a, b);`                                         | 1 | listen: a list is not allowed here (found (a, b))
            `listen { x 1; }`                                        | 1 | listen is a simple statement, not a block (write listen VALUE;)
            `define-macros envelope (taid);`                         | 1 | define-macros: unknown handler "envelope" (expected: connect, helo, mail/envfrom, rcpt/envrcpt, data/header/body or dot/eom)
            `define-macros mail ("auth-type");`                      | 1 | define-macros: bad MeTA1 macro name "auth-type" (expected: a name such as auth_type or msgid)
            `define-macros mail;`                                    | 1 | define-macros takes a handler and a macro list, e.g. define-macros mail (auth_type, auth_authen); (found 1 values)
            `max-threads-soft many;`                                 | 1 | max-threads-soft: bad number "many" (expected: a non-negative integer)
            `debug trcae;`                                           | 1 | debug: bad debug level "trcae": expected: 0..9, off, error, warn, info, debug, trace, wire, LOGGER=LEVEL, or Mailutils syntax such as pmult.trace7
            `unix-socket { mode 0999; }`                             | 1 | unix-socket mode: bad mode "0999" (expected: octal permission bits such as 0660)
            `unix-socket { mode 4755; }`                             | 1 | unix-socket mode: bad mode "4755" (expected: 0000..0777; no setuid, setgid or sticky bits)
            `unix-socket { owner "a b"; }`                           | 1 | unix-socket owner: "a b" (expected: a user/group name or numeric id)
            `unix-socket { perms 0660; }`                            | 1 | unknown statement "perms" in unix-socket
            `metrics { address unix:/m.sock; }`                      | 1 | metrics address: bad address "unix:/m.sock" (expected: PORT, HOST:PORT or [ADDR]:PORT)
            `limits {\\n max-connections 0;\\n}`                     | 2 | limits max-connections: 0 (expected: 1..100000)
            `limits {\\n max-frame-length 1K;\\n}`                   | 2 | limits max-frame-length: 1024 (expected: 65640..67108864)
            `limits {\\n max-frame-length lots;\\n}`                 | 2 | limits max-frame-length: bad size "lots" (expected: bytes, e.g. 1048576, 1024K or 1M)
            `limits { max-conections 5; }`                           | 1 | unknown statement "max-conections" in limits (did you mean "max-connections"?)
            `limits {\\n max-sessions-per-connection 10;\\n advertised-max-sessions 20;\\n}` | 3 | limits advertised-max-sessions: 20 (expected: 1..10)
            `reconnect {\\n initial 1 minute;\\n max 1 second;\\n}`  | 3 | reconnect max: 1 second (expected: at least the first probe interval, 1 minute)
            `reconnect {\\n max 1 minute;\\n}`  | 2 | reconnect max: 1 minute (expected: <= 1 second, so a milter that is back is used again within a second; probing a milter that refuses at once costs nothing)
            `shutdown-grace 2 hours;`                                | 1 | shutdown-grace: 2 hours (expected: 0 .. 1 hour)
            `event-loops { spin 50; }`                               | 1 | event-loops spin: "50" has no unit (expected: e.g. 50us or 1ms)
            `event-loops {\n spin 5ms;\n}`                         | 2 | event-loops spin: 5 milliseconds (expected: 0 (off) .. 1 millisecond)
            `event-loops { cores 2; }`                               | 1 | unknown statement "cores" in event-loops
            `macro-name msgid;`                                      | 1 | macro-name takes 2 values (found 1)
            `macro-name msgid "{bad name}";`                         | 1 | macro-name: bad Sendmail macro name "{bad name}" (expected: one character such as i, or a name such as {client_addr})
            `macro-default daemon_name;`                             | 1 | macro-default takes 2 values (found 1)
            `macro-default "{bad name}" x;`                          | 1 | macro-default: bad Sendmail macro name "{bad name}" (expected: one character such as i, or a name such as {client_addr})
            `v2-macros eoh2 (i);`                                    | 1 | v2-macros: unknown stage "eoh2" (expected: connect, helo, mail, rcpt, data, eoh or eom)
            `client-defaults { url /x; }`                            | 1 | url belongs in a client block, not in client-defaults
            `client-defaults { timeout 5; }`                         | 1 | unknown statement "timeout" in client-defaults
            """)
    void refusesBadStatementsWithFileAndLine(String text, int line, String problem) throws IOException {
        ConfigException error = failure(text.replace("\\n", "\n"));
        assertEquals(where(line) + ": " + problem, error.getMessage());
        assertEquals(where(line), error.location());
    }

    @Test
    void placesAValueARecordRefusesAtTheSettingThatGaveIt() throws IOException {
        ConfigException inherited = failure("client-defaults {\n  max-idle-connections 5000;\n}\nclient mfd { url /x; }\n");
        assertEquals(where(2) + ": client-defaults max-idle-connections: 5000 (expected: 0..1024)", inherited.getMessage());

        ConfigException againstADefault = failure("client mfd {\n  url /x;\n  max-idle-connections 0;\n}\n");
        assertEquals(where(3) + ": client \"mfd\": max-idle-connections: 0 (expected: at least the spare connections per"
                + " event loop, 1)", againstADefault.getMessage(),
                "a built-in default clashing with a setting: at the setting, as the file names it");

        ConfigException initialAgainstADefault = failure("reconnect {\n  initial 1 second;\n}\n");
        assertEquals(where(2) + ": reconnect initial: 1 second (expected: at most the longest probe interval,"
                + " 500 milliseconds)", initialAgainstADefault.getMessage());
    }

    @Test
    void refusesAMissingFile() {
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigLoader.read(dir.resolve("absent.conf")));
        assertEquals(dir.resolve("absent.conf") + ": no such file", error.getMessage());
    }

    @Test
    void warnsWhenNoClientIsConfigured() throws IOException {
        LoadedConfig loaded = read("listen inet://127.0.0.1:3333;");
        assertTrue(loaded.config().clients().isEmpty());
        assertTrue(loaded.notes().contains(ConfigNote.warning(
                "no clients configured: pmult answers CONTINUE to every MeTA1 command (add a client block naming a milter)")));
        assertFalse(read("client a { url /a; }").notes().stream().anyMatch(note -> note.severity() == ConfigNote.Severity.WARNING));
    }
}
