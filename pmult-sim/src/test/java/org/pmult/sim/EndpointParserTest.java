package org.pmult.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointParserTest {

    @ParameterizedTest
    @ValueSource(strings = {"inet:127.0.0.1:3333", "inet://127.0.0.1:3333", "127.0.0.1:3333", "inet:3333@127.0.0.1"})
    void readsInetForms(String text) {
        assertEquals(new InetSocketAddress("127.0.0.1", 3333), EndpointParser.parse(text));
    }

    @Test
    void readsIpv6AndUnixForms() {
        assertEquals(new InetSocketAddress("::1", 25), EndpointParser.parse("[::1]:25"));
        assertEquals(UnixDomainSocketAddress.of("/run/pmult.sock"), EndpointParser.parse("unix:/run/pmult.sock"));
        assertEquals(UnixDomainSocketAddress.of("/run/pmult.sock"), EndpointParser.parse("unix:///run/pmult.sock"));
        assertEquals(UnixDomainSocketAddress.of("/run/pmult.sock"), EndpointParser.parse("/run/pmult.sock"));
    }

    @Test
    void explainsWhatItExpected() {
        assertEquals("--connect \"127.0.0.1\": no port (expected: inet:HOST:PORT, HOST:PORT, [IPV6]:PORT, "
                        + "inet:PORT@HOST, unix:PATH or /PATH)",
                assertThrows(IllegalArgumentException.class, () -> EndpointParser.parse("127.0.0.1")).getMessage());
        assertEquals("--connect \"127.0.0.1:0\": port \"0\" (expected: 1..65535) (expected: inet:HOST:PORT, "
                        + "HOST:PORT, [IPV6]:PORT, inet:PORT@HOST, unix:PATH or /PATH)",
                assertThrows(IllegalArgumentException.class, () -> EndpointParser.parse("127.0.0.1:0")).getMessage());
    }
}
