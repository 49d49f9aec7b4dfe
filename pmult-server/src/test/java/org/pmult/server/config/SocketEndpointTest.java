package org.pmult.server.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SocketEndpointTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            inet://127.0.0.1:3333        | MAILFROMD_INET    | 127.0.0.1      | 3333
            INET://mx.example.org:25     | MAILFROMD_INET    | mx.example.org | 25
            inet6://[::1]:3333           | MAILFROMD_INET6   | ::1            | 3333
            inet6://[2001:db8::5]:8891   | MAILFROMD_INET6   | 2001:db8::5    | 8891
            inet:3333@127.0.0.1          | SENDMAIL_INET     | 127.0.0.1      | 3333
            inet:8891@localhost          | SENDMAIL_INET     | localhost      | 8891
            inet:3333                    | SENDMAIL_INET_ANY | 0.0.0.0        | 3333
            inet6:3333@::1               | SENDMAIL_INET6    | ::1            | 3333
            inet6:3333@[fe80::1]         | SENDMAIL_INET6    | fe80::1        | 3333
            inet:127.0.0.1:3333          | POSTFIX_INET      | 127.0.0.1      | 3333
            inet:localhost:8891          | POSTFIX_INET      | localhost      | 8891
            inet:[::1]:8891              | POSTFIX_INET      | ::1            | 8891
            """)
    void parsesEveryInetForm(String text, AddressSyntax syntax, String host, int port) {
        SocketEndpoint.Inet inet = assertInstanceOf(SocketEndpoint.Inet.class, SocketEndpoint.parse(text));

        assertEquals(syntax, inet.syntax());
        assertEquals(host, inet.host());
        assertEquals(port, inet.port());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unix:///run/pmult/pmult.sock    | MAILFROMD_UNIX  | /run/pmult/pmult.sock
            local:///run/pmult/pmult.sock   | MAILFROMD_LOCAL | /run/pmult/pmult.sock
            unix:/run/pmult/pmult.sock      | SENDMAIL_UNIX   | /run/pmult/pmult.sock
            local:/run/pmult/pmult.sock     | SENDMAIL_LOCAL  | /run/pmult/pmult.sock
            unix:private/milter             | SENDMAIL_UNIX   | private/milter
            /var/run/mailfromd/mailfromd.sock | BARE_PATH     | /var/run/mailfromd/mailfromd.sock
            """)
    void parsesEveryUnixForm(String text, AddressSyntax syntax, String path) {
        SocketEndpoint.Unix unix = assertInstanceOf(SocketEndpoint.Unix.class, SocketEndpoint.parse(text));

        assertEquals(syntax, unix.syntax());
        assertEquals(Path.of(path), unix.path());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            inet://127.0.0.1:3333      | SENDMAIL  | inet:3333@127.0.0.1
            inet://127.0.0.1:3333      | MAILFROMD | inet://127.0.0.1:3333
            inet://127.0.0.1:3333      | POSTFIX   | inet:127.0.0.1:3333
            inet:3333@127.0.0.1        | MAILFROMD | inet://127.0.0.1:3333
            inet:3333@127.0.0.1        | POSTFIX   | inet:127.0.0.1:3333
            inet:127.0.0.1:3333        | SENDMAIL  | inet:3333@127.0.0.1
            inet6://[::1]:3333         | SENDMAIL  | inet6:3333@::1
            inet6://[::1]:3333         | POSTFIX   | inet:[::1]:3333
            inet6:3333@::1             | MAILFROMD | inet6://[::1]:3333
            inet:[2001:db8::1]:25      | MAILFROMD | inet6://[2001:db8::1]:25
            unix:///run/p.sock         | SENDMAIL  | unix:/run/p.sock
            unix:///run/p.sock         | POSTFIX   | unix:/run/p.sock
            unix:/run/p.sock           | MAILFROMD | unix:///run/p.sock
            /run/p.sock                | MAILFROMD | unix:///run/p.sock
            local:/run/p.sock          | SENDMAIL  | unix:/run/p.sock
            """)
    void formatsInEveryDialect(String text, AddressForm form, String expected) {
        assertEquals(expected, SocketEndpoint.parse(text).format(form));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            inet:3333@127.0.0.1          | understood as Sendmail form inet:PORT@HOST: TCP port 3333 on host 127.0.0.1
            inet://127.0.0.1:3333        | understood as mailfromd URL inet://HOST:PORT: TCP port 3333 on host 127.0.0.1
            inet:127.0.0.1:3333          | understood as Postfix form inet:HOST:PORT: TCP port 3333 on host 127.0.0.1
            inet6://[::1]:1              | understood as mailfromd URL inet6://[ADDR]:PORT: TCP port 1 on IPv6 address ::1
            unix:/run/p.sock             | understood as Sendmail/Postfix form unix:PATH: unix socket /run/p.sock
            /run/p.sock                  | understood as bare socket path /PATH: unix socket /run/p.sock
            """)
    void describesWhichFormWasUnderstood(String text, String description) {
        assertEquals(description, SocketEndpoint.parse(text).describe());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            inet:3333@127.0.0.1
            inet://127.0.0.1:3333
            inet:127.0.0.1:3333
            inet6://[::1]:3333
            inet6:3333@::1
            inet:3333
            unix:///run/p.sock
            unix:/run/p.sock
            local:/run/p.sock
            local:///run/p.sock
            /run/p.sock
            """)
    void printsAnAddressTheWayItWasWritten(String text) {
        assertEquals(text, SocketEndpoint.parse(text).toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            inet://h:70000           | bad port 70000 in "inet://h:70000" (expected: 1..65535)
            inet://h:0               | bad port 0 in "inet://h:0" (expected: 1..65535)
            inet:99999999999@h       | bad port 99999999999 in "inet:99999999999@h" (expected: 1..65535)
            inet://h:                | missing port in "inet://h:"
            inet://:3333             | missing host in "inet://:3333"
            inet://h                 | missing ":PORT" in "inet://h"
            inet:3333@               | missing host in "inet:3333@"
            inet6:3333               | missing "@ADDR" in "inet6:3333" (expected: inet6:PORT@ADDR)
            inet6://::1:3333         | IPv6 address in "inet6://::1:3333" must be in brackets (expected: inet6://[ADDR]:PORT)
            inet://::1:3333          | IPv6 address in "inet://::1:3333" must be in brackets, e.g. [::1]:3333
            inet://[::1:3333         | bad IPv6 address in "inet://[::1:3333" (expected: [ADDR]:PORT)
            inet://[::g]:3333        | bad IPv6 address "::g" in "inet://[::g]:3333"
            inet://256.1.1.1:25      | bad IPv4 address "256.1.1.1" in "inet://256.1.1.1:25"
            inet://a b:25            | bad host "a b" in "inet://a b:25" (expected: a host name, IPv4 address or IPv6 address)
            tcp://h:25               | unknown scheme "tcp" in "tcp://h:25" (expected: inet, inet6, unix or local)
            mfd.sock                 | unrecognized address "mfd.sock" (expected: inet://HOST:PORT, inet6://[ADDR]:PORT, unix:///PATH, inet:PORT@HOST, inet6:PORT@ADDR, inet:HOST:PORT, unix:PATH, local:PATH or /PATH)
            unix:                    | missing socket path in "unix:"
            unix://                  | missing socket path in "unix://"
            inet://h:nosuchservice   | bad port "nosuchservice" in "inet://h:nosuchservice" (expected: 1..65535 or a TCP service name from /etc/services)
            """)
    void rejectsBadAddressesNamingInputAndExpectation(String text, String message) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SocketEndpoint.parse(text));
        assertEquals(message, error.getMessage());
    }

    @Test
    void rejectsEmptyAddress() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SocketEndpoint.parse("  "));
        assertTrue(error.getMessage().startsWith("empty address (expected: inet://HOST:PORT"), error.getMessage());
    }

    @Test
    void acceptsServiceNamesFromEtcServicesAsPorts(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path services = dir.resolve("services");
        Files.writeString(services, "# comment\nsmtp\t\t25/tcp\t\tmail\nsmtp 25/udp\nmilter 8891/tcp pmilter # alias\n");

        assertEquals(OptionalInt.of(25), ServiceNames.tcpPort("smtp", services));
        assertEquals(OptionalInt.of(25), ServiceNames.tcpPort("MAIL", services));
        assertEquals(OptionalInt.of(8891), ServiceNames.tcpPort("pmilter", services));
        assertEquals(OptionalInt.empty(), ServiceNames.tcpPort("imap", services));
        assertEquals(OptionalInt.empty(), ServiceNames.tcpPort("smtp", dir.resolve("missing")));
    }

    @Test
    void resolvesSystemServiceNamesWhenTheSystemListsThem() {
        OptionalInt smtp = ServiceNames.tcpPort("smtp");
        if (smtp.isPresent()) {
            assertEquals(smtp.getAsInt(), ((SocketEndpoint.Inet) SocketEndpoint.parse("inet:smtp@127.0.0.1")).port());
        } else {
            assertThrows(IllegalArgumentException.class, () -> SocketEndpoint.parse("inet:smtp@127.0.0.1"));
        }
    }

    @Test
    void convertsToJdkSocketAddresses() {
        InetSocketAddress inet = assertInstanceOf(InetSocketAddress.class, SocketEndpoint.parse("inet:3333@127.0.0.1").toSocketAddress());
        assertEquals(InetAddress.getLoopbackAddress(), inet.getAddress());
        assertEquals(3333, inet.getPort());
        assertFalse(inet.isUnresolved());

        InetSocketAddress v6 = (InetSocketAddress) SocketEndpoint.parse("inet6://[::1]:25").toSocketAddress();
        assertEquals("0:0:0:0:0:0:0:1", v6.getAddress().getHostAddress());

        assertEquals(UnixDomainSocketAddress.of("/run/p.sock"), SocketEndpoint.parse("unix:///run/p.sock").toSocketAddress());
    }

    @Test
    void failsToResolveAnUnknownHostWithTheAddressInTheMessage() {
        SocketEndpoint endpoint = SocketEndpoint.parse("inet://no-such-host.invalid:25");
        java.io.UncheckedIOException error = assertThrows(java.io.UncheckedIOException.class, endpoint::toSocketAddress);
        assertTrue(error.getMessage().contains("no-such-host.invalid"), error.getMessage());
    }

    @Test
    void comparesSocketsAcrossSyntaxes() {
        assertTrue(SocketEndpoint.parse("inet:3333@127.0.0.1").sameSocket(SocketEndpoint.parse("inet://127.0.0.1:3333")));
        assertTrue(SocketEndpoint.parse("unix:/run/p.sock").sameSocket(SocketEndpoint.parse("/run/p.sock")));
        assertFalse(SocketEndpoint.parse("inet:3333@127.0.0.1").sameSocket(SocketEndpoint.parse("inet:3334@127.0.0.1")));
        assertFalse(SocketEndpoint.parse("unix:/run/p.sock").sameSocket(SocketEndpoint.parse("inet:3334@127.0.0.1")));
        assertFalse(SocketEndpoint.parse("inet:3333@127.0.0.1").equals(SocketEndpoint.parse("inet://127.0.0.1:3333")));
    }

    @Test
    void parsesPlainHostPortForHttpAddresses() {
        SocketEndpoint.Inet portOnly = SocketEndpoint.parseHostPort("9313", "127.0.0.1");
        assertEquals("127.0.0.1", portOnly.host());
        assertEquals(9313, portOnly.port());
        assertEquals("0.0.0.0:9313", SocketEndpoint.parseHostPort("0.0.0.0:9313", "127.0.0.1").toString());
        assertEquals("[::1]:9313", SocketEndpoint.parseHostPort("[::1]:9313", "127.0.0.1").toString());
        assertEquals(9313, SocketEndpoint.parseHostPort("inet://localhost:9313", "127.0.0.1").port());
        assertThrows(IllegalArgumentException.class, () -> SocketEndpoint.parseHostPort("unix:/run/m.sock", "127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> SocketEndpoint.parseHostPort("host", "127.0.0.1"));
    }

    @Property
    void everyInetAddressSurvivesEveryDialect(@ForAll("hosts") String host, @ForAll @IntRange(min = 1, max = 65535) int port) {
        SocketEndpoint original = new SocketEndpoint.Inet(host, port, AddressSyntax.MAILFROMD_INET);
        for (AddressForm form : AddressForm.values()) {
            SocketEndpoint reparsed = SocketEndpoint.parse(original.format(form));
            assertTrue(reparsed.sameSocket(original), form + ": " + original.format(form) + " -> " + reparsed);
            assertEquals(original.format(form), reparsed.format(form));
        }
    }

    @Property
    void everyUnixPathSurvivesEveryDialect(@ForAll("paths") String path) {
        SocketEndpoint original = SocketEndpoint.parse(path);
        for (AddressForm form : AddressForm.values()) {
            assertTrue(SocketEndpoint.parse(original.format(form)).sameSocket(original), original.format(form));
        }
    }

    @Provide
    Arbitrary<String> hosts() {
        Arbitrary<String> ipv4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(octets -> octets.stream().map(String::valueOf).reduce((a, b) -> a + "." + b).orElseThrow());
        Arbitrary<String> ipv6 = Arbitraries.integers().between(0, 0xffff).list().ofSize(8)
                .map(groups -> groups.stream().map(Integer::toHexString).reduce((a, b) -> a + ":" + b).orElseThrow());
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10).list().ofMinSize(1).ofMaxSize(3)
                .map(labels -> String.join(".", labels));
        return Arbitraries.oneOf(ipv4, ipv6, names);
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('.', '_', '-').ofMinLength(1).ofMaxLength(12)
                .list().ofMinSize(1).ofMaxSize(4).map(parts -> "/" + String.join("/", parts));
    }
}
