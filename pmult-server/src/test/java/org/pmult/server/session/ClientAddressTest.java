package org.pmult.server.session;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class ClientAddressTest {

    @Test
    void writesIpv6InRfc5952FormWithoutPrefixOrScope() throws Exception {
        assertEquals("2001:db8::25", ClientAddress.text(v6("2001:db8:0:0:0:0:0:25")));
        assertEquals("::1", ClientAddress.text(v6("0:0:0:0:0:0:0:1")));
        assertEquals("2001:db8::1:0:0:1", ClientAddress.text(v6("2001:db8:0:0:1:0:0:1")), "the first longest zero run");
        assertEquals("2001:db8:0:1:1:1:1:1", ClientAddress.text(v6("2001:db8:0:1:1:1:1:1")), "a single zero group stays");
        assertEquals("fe80::1", ClientAddress.text(Inet6Address.getByAddress(null, v6("fe80::1").getAddress(), 3)));
        assertEquals("2001:db8::ab", ClientAddress.text(v6("2001:DB8::AB")), "lower case");
    }

    @Test
    void anIpv4MappedAddressIsTheIpv4ClientItStandsFor() throws Exception {
        InetAddress mapped = Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 10}, -1);
        assertInstanceOf(Inet4Address.class, ClientAddress.unmapped(mapped));
        assertEquals("192.0.2.10", ClientAddress.text(mapped));
        assertEquals("192.0.2.10", ClientAddress.text(InetAddress.getByName("192.0.2.10")));
    }

    @Test
    void theClientAddrMacroOfAnIpv6ClientCarriesTheAddressLiteralPrefix() throws Exception {
        assertEquals("IPv6:2001:db8::25", ClientAddress.macroText(v6("2001:db8:0:0:0:0:0:25")));
        assertEquals("192.0.2.10", ClientAddress.macroText(InetAddress.getByName("192.0.2.10")));
        InetAddress mapped = Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 10}, -1);
        assertEquals("192.0.2.10", ClientAddress.macroText(mapped), "a mapped address is an IPv4 client");
    }

    private static InetAddress v6(String text) throws Exception {
        return Inet6Address.getByAddress(null, InetAddress.getByName(text).getAddress(), -1);
    }
}
