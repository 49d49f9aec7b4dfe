package org.pmult.sim.meta1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Meta1ConfigParserTest {

    private static Meta1PolicyMilterConfig parse(String text) throws Meta1ConfigException {
        return Meta1ConfigParser.parse("meta1.conf", text);
    }

    private static String error(String text) {
        return assertThrows(Meta1ConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void readsAStandaloneInetSection() throws Exception {
        Meta1PolicyMilterConfig config = parse(
                "policy_milter { socket { type = inet; address = 127.0.0.1; port = 3333; }; timeout = 5m; flags = { abort }; };");

        assertEquals(new InetSocketAddress("127.0.0.1", 3333), config.address());
        assertEquals(Duration.ofMinutes(5), config.timeout());
        assertEquals(FailurePolicy.ABORT, config.policy());
        assertEquals("meta1.conf:1", config.origin());
        assertEquals("inet:127.0.0.1:3333", config.describeAddress());
    }

    @Test
    void readsAUnixSocketWithAcceptButReconnect() throws Exception {
        Meta1PolicyMilterConfig config = parse("""
                policy_milter {
                  socket { type = unix; path = /run/pmult.sock; };
                  flags = { accept_but_reconnect };
                };
                """);

        assertEquals(UnixDomainSocketAddress.of("/run/pmult.sock"), config.address());
        assertEquals(FailurePolicy.ACCEPT_BUT_RECONNECT, config.policy());
        assertEquals(Meta1PolicyMilterConfig.DEFAULT_TIMEOUT, config.timeout());
    }

    @Test
    void findsTheSectionInsideSmtpsOfAFullConfiguration(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("meta1.conf");
        Files.writeString(file, """
                # MeTA1 configuration
                hostname = "mx.example.org";
                qmgr { max_connections = 100; };
                smtpc { policy_milter { socket { type = unix; path = /wrong; }; }; };
                smtps MTA1 {
                  listen_address = { 0.0.0.0 };   # a list
                  greeting = "MeTA1 \\"ready\\"" " here";
                  policy_milter {
                    socket {
                      type = inet;
                      address = "::1";   # quoted works too
                      port = 4000;
                    };
                    timeout = 10s;
                  };
                  tls { cert = /etc/meta1/cert.pem; };
                };
                """);

        Meta1PolicyMilterConfig config = Meta1ConfigParser.parse(file);

        assertEquals(new InetSocketAddress("::1", 4000), config.address());
        assertEquals(Duration.ofSeconds(10), config.timeout());
        assertEquals(FailurePolicy.TEMPFAIL, config.policy());
        assertEquals(file + ":8", config.origin());
        assertEquals("inet:[::1]:4000", config.describeAddress());
    }

    @Test
    void acceptsEmptyOrScalarFlags() throws Exception {
        String socket = "socket { type = unix; path = /s; };";
        assertEquals(FailurePolicy.TEMPFAIL, parse("policy_milter { " + socket + " flags = { }; };").policy());
        assertEquals(FailurePolicy.ABORT, parse("policy_milter { " + socket + " flags = abort; };").policy());
        assertEquals(FailurePolicy.ABORT, parse("policy_milter { " + socket + " flags = { abort, abort }; };").policy());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "policy_milter { socket { type = tcp; }; };"
                    + "|meta1.conf:1: policy_milter.socket.type: unknown type \"tcp\" (expected: inet or unix)",
            "policy_milter { socket { type = inet; address = 127.0.0.1; port = 1; path = /x; }; };"
                    + "|meta1.conf:1: policy_milter.socket: path is for type = unix (expected: address and port with type = inet, not both)",
            "policy_milter { socket { type = inet; address = 127.0.0.1; }; };"
                    + "|meta1.conf:1: policy_milter.socket: type = inet needs port (expected: e.g. port = 3333;)",
            "policy_milter { socket { type = inet; address = localhost; port = 1; }; };"
                    + "|meta1.conf:1: policy_milter.socket.address: \"localhost\" is not an IP address (expected: e.g. 127.0.0.1 or ::1)",
            "policy_milter { socket { type = inet; address = 127.0.0.1; port = 70000; }; };"
                    + "|meta1.conf:1: policy_milter.socket.port: \"70000\" (expected: 1..65535)",
            "policy_milter { socket { type = unix; path = /s; port = 3; }; };"
                    + "|meta1.conf:1: policy_milter.socket: port is for type = inet (expected: path only with type = unix, not both)",
            "policy_milter { socket { type = unix; path = /s; }; flags = { abrt }; };"
                    + "|meta1.conf:1: policy_milter.flags: unknown flag \"abrt\" (expected: abort or accept_but_reconnect)",
            "policy_milter { socket { type = unix; path = /s; }; flags = { abort, accept_but_reconnect }; };"
                    + "|meta1.conf:1: policy_milter.flags: both abort and accept_but_reconnect (expected: at most one; they contradict each other)",
            "policy_milter { socket { type = unix; path = /s; }; timeout = 5x; };"
                    + "|meta1.conf:1: policy_milter.timeout: time value \"5x\": unknown unit \"x\" (expected: one of s, m, h, d, w)",
            "policy_milter { socket { type = unix; path = /s; }; timeout = 0; };"
                    + "|meta1.conf:1: policy_milter.timeout: \"0\" is zero (expected: > 0)",
            "policy_milter { socket { type = unix; path = /s; }; timout = 5; };"
                    + "|meta1.conf:1: policy_milter: unknown key \"timout\" (expected: one of socket, timeout, flags)",
            "policy_milter { timeout = 5; };"
                    + "|meta1.conf:1: policy_milter: missing socket { … } (expected: socket { type = inet; address = …; port = …; } or socket { type = unix; path = …; })",
            "smtps { other = 1; };"
                    + "|meta1.conf: no policy_milter section (expected: one at the top level or inside smtps { … })",
    })
    void namesTheLineAndTheProblem(String text, String message) {
        assertEquals(message, error(text));
    }

    @Test
    void reportsTheLineOfSyntaxErrors() {
        assertEquals("meta1.conf:3: unexpected '}' (expected: ';' after the value of \"port\")",
                error("policy_milter {\n socket { type = inet; address = 127.0.0.1;\n port = 3 };\n};"));
        assertEquals("meta1.conf:2: string not closed on its line (expected: '\"')",
                error("policy_milter {\n socket { type = \"inet; };\n};"));
        assertEquals("meta1.conf:4: unexpected end of file (expected: '}' closing the section opened on line 1)",
                error("policy_milter {\n socket { type = unix; path = /s; };\n # no closing brace\n"));
        assertEquals("meta1.conf:1: unexpected '=' (expected: a statement name)", error("= 3;"));
    }

    @Test
    void refusesTwoSections() {
        assertEquals("meta1.conf:2: 2 policy_milter sections (lines 1, 2); expected exactly one: copy the one to test "
                + "into a file of its own", error("policy_milter { socket { type = unix; path = /a; }; };\n"
                + "smtps { policy_milter { socket { type = unix; path = /b; }; }; };"));
    }

    @Test
    void namesAMissingFile(@TempDir Path directory) {
        Path missing = directory.resolve("nope.conf");
        String message = assertThrows(Meta1ConfigException.class, () -> Meta1ConfigParser.parse(missing)).getMessage();
        assertEquals(missing + ": cannot read: " + missing, message);
    }
}
