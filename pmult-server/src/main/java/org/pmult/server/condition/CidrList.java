package org.pmult.server.condition;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Address blocks in CIDR notation, IPv4 and IPv6 ({@code 192.0.2.0/24}, {@code 2001:db8::/32}; a
 * bare address is a block of one). Matching uses Netty's {@link IpSubnetFilterRule}. An IPv4-mapped
 * IPv6 block ({@code ::ffff:192.0.2.0/120}) is the IPv4 block it stands for, as the client address
 * is matched unmapped. Literal addresses only: a name is never resolved.
 */
public final class CidrList extends TextList {

    private static final int MAPPED_PREFIX_BITS = 96;

    private final List<IpSubnetFilterRule> rules;

    private CidrList(List<String> texts, List<IpSubnetFilterRule> rules) {
        super(texts);
        this.rules = rules;
    }

    /**
     * @throws IllegalArgumentException naming the first block that is not an address with an optional
     *                                  prefix length in range
     */
    public static CidrList parse(List<String> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no address block (expected: at least one, e.g. 192.0.2.0/24 or 2001:db8::/32)");
        }
        List<IpSubnetFilterRule> rules = new ArrayList<>(blocks.size());
        for (String block : blocks) {
            rules.add(rule(block));
        }
        return new CidrList(blocks, List.copyOf(rules));
    }

    private static IpSubnetFilterRule rule(String block) {
        int slash = block.indexOf('/');
        String addressText = slash < 0 ? block : block.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(addressText);
        if (bytes == null) {
            throw new IllegalArgumentException("\"" + block + "\" is not an IPv4 or IPv6 address block"
                    + " (expected: e.g. 192.0.2.0/24, 2001:db8::/32 or 192.0.2.7)");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = block.substring(slash + 1);
            if (!length.matches("[0-9]{1,3}") || Integer.parseInt(length) > bits) {
                throw new IllegalArgumentException("\"" + block + "\": prefix length \"" + length
                        + "\" (expected: 0.." + bits + " for an IPv" + (bits == 32 ? 4 : 6) + " address)");
            }
            prefix = Integer.parseInt(length);
        }
        if (bytes.length == 16 && isMapped(bytes) && prefix >= MAPPED_PREFIX_BITS) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
            prefix -= MAPPED_PREFIX_BITS;
        }
        try {
            return new IpSubnetFilterRule(InetAddress.getByAddress(bytes), prefix, IpFilterRuleType.ACCEPT);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }

    private static boolean isMapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
    }

    /** Whether {@code address} (already unmapped) lies in one of the blocks. */
    public boolean contains(InetAddress address) {
        if (!(address instanceof Inet4Address) && !(address instanceof Inet6Address)) {
            return false;
        }
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        return false;
    }
}
