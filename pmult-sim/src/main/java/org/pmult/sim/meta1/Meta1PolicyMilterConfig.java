package org.pmult.sim.meta1;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * smtps's {@code policy_milter} section: where the pmilter listens, how long to wait for each
 * reply, and what to do when it fails.
 *
 * @param address an {@link InetSocketAddress} ({@code type = inet}) or a {@link UnixDomainSocketAddress}
 *                ({@code type = unix})
 * @param timeout {@code timeout}: the longest wait for each reply
 * @param policy  {@code flags}; {@link FailurePolicy#TEMPFAIL} when no flag is set
 * @param origin  where it was read, {@code meta1.conf:12}, or a description such as {@code --connect}
 */
public record Meta1PolicyMilterConfig(SocketAddress address, Duration timeout, FailurePolicy policy, String origin) {

    /** MeTA1's default for {@code timeout} is not documented; the simulator assumes this one. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public Meta1PolicyMilterConfig {
        Objects.requireNonNull(address, "address");
        if (!(address instanceof InetSocketAddress || address instanceof UnixDomainSocketAddress)) {
            throw new IllegalArgumentException("address: " + address.getClass().getName()
                    + " (expected: InetSocketAddress or UnixDomainSocketAddress)");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(origin, "origin");
    }

    /** {@code inet:127.0.0.1:3333} or {@code unix:/run/pmult.sock}. */
    public String describeAddress() {
        return describe(address);
    }

    /** {@code inet:127.0.0.1:3333}, {@code inet:[::1]:3333} or {@code unix:/run/pmult.sock}. */
    public static String describe(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        String host = inet.getAddress() == null ? inet.getHostString() : NetUtil.toAddressString(inet.getAddress());
        return "inet:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }

    public Meta1PolicyMilterConfig withTimeout(Duration newTimeout) {
        return new Meta1PolicyMilterConfig(address, newTimeout, policy, origin);
    }

    public Meta1PolicyMilterConfig withPolicy(FailurePolicy newPolicy) {
        return new Meta1PolicyMilterConfig(address, timeout, newPolicy, origin);
    }

    @Override
    public String toString() {
        return "policy_milter " + describeAddress() + " timeout " + Meta1Interval.format(timeout) + " flags "
                + policy.flagName() + " (" + origin + ")";
    }
}
