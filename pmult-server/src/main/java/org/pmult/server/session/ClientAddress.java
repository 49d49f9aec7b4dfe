package org.pmult.server.session;

import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How the SMTP client's address becomes text, everywhere pmult writes it (the CONNECT packet,
 * {@code {client_addr}}, the fallback {@code {client_name}} {@code [addr]}, logs): IPv6 in RFC 5952
 * form ({@code 2001:db8::25}, Netty's {@link NetUtil#toAddressString}), never Java's full form or a
 * scope suffix. {@code {client_addr}} of an IPv6 client carries the {@code IPv6:} prefix of an
 * RFC 5321 address literal, as both Sendmail and Postfix send it (Postfix 3.7 sends {@code IPv6:::1},
 * PostfixDifferentialIT); the CONNECT packet and the {@code [addr]} fallback do not. An IPv4-mapped
 * IPv6 address ({@code ::ffff:192.0.2.1}) is the IPv4 client it stands for, as Postfix treats it.
 */
public final class ClientAddress {

    private static final int MAPPED_PREFIX = 12;

    private ClientAddress() {
    }

    /** {@code address}, or the IPv4 address an IPv4-mapped IPv6 address carries. */
    public static InetAddress unmapped(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return address;
            }
        }
        if (bytes[10] != (byte) 0xFF || bytes[11] != (byte) 0xFF) {
            return address;
        }
        try {
            return Inet4Address.getByAddress(java.util.Arrays.copyOfRange(bytes, MAPPED_PREFIX, bytes.length));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
    }

    /** The address as text: dotted quad, or RFC 5952 IPv6. */
    public static String text(InetAddress address) {
        return NetUtil.toAddressString(unmapped(address));
    }

    /** The value of {@code {client_addr}}: {@link #text}, with {@code IPv6:} in front of an IPv6 address. */
    public static String macroText(InetAddress address) {
        InetAddress client = unmapped(address);
        String text = NetUtil.toAddressString(client);
        return client instanceof Inet6Address ? "IPv6:" + text : text;
    }
}
