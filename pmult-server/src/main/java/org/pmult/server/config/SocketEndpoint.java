package org.pmult.server.config;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A socket pmult listens on or connects to: a TCP host and port (IPv4, IPv6 literal or host name)
 * or a unix-domain socket path. {@link #parse(String)} reads every form mailfromd, Sendmail and
 * Postfix use and records which one it saw ({@link #syntax()}), so {@link #describe()} can say how
 * the address was understood and {@link #format(AddressForm)} can write it in any dialect.
 *
 * <p>Equality includes the recorded syntax: {@code inet:3333@127.0.0.1} and
 * {@code inet://127.0.0.1:3333} are different values that {@link #sameSocket} the same socket.
 */
public sealed interface SocketEndpoint {

    /** How the address was written. */
    AddressSyntax syntax();

    /** The address in the given dialect, e.g. {@code inet:3333@127.0.0.1} for {@link AddressForm#SENDMAIL}. */
    String format(AddressForm form);

    /**
     * The JDK address for Netty: a resolved {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}.
     * Resolving a host name happens here (blocking DNS), so call it off the event loop.
     *
     * @throws UncheckedIOException wrapping {@link UnknownHostException} when the host does not resolve
     */
    SocketAddress toSocketAddress();

    /** Whether both name the same socket, whatever syntax each was written in. */
    boolean sameSocket(SocketEndpoint other);

    /** {@code understood as Sendmail form inet:PORT@HOST: TCP port 3333 on host 127.0.0.1}. */
    default String describe() {
        return "understood as " + syntax().label() + ": " + detail();
    }

    /** What the address denotes, without the syntax: {@code TCP port 3333 on host 127.0.0.1}. */
    String detail();

    /**
     * Parses a listen or client address in any supported form.
     *
     * @throws IllegalArgumentException naming the input and what was expected
     */
    static SocketEndpoint parse(String text) {
        return AddressParser.parse(text);
    }

    /**
     * Parses an HTTP bind address: {@code PORT} (on {@code defaultHost}), {@code HOST:PORT} or
     * {@code [ADDR]:PORT}; also any inet form {@link #parse} accepts.
     */
    static Inet parseHostPort(String text, String defaultHost) {
        return AddressParser.parseHostPort(text, defaultHost);
    }

    /** A TCP endpoint. {@code host} is kept without IPv6 brackets. */
    record Inet(String host, int port, AddressSyntax syntax) implements SocketEndpoint {

        public Inet {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(syntax, "syntax");
            if (host.isEmpty()) {
                throw new IllegalArgumentException("host: empty (expected: a host name or IP address)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
            }
        }

        /** Whether the host is an IPv6 literal (it contains a colon). */
        public boolean isIpv6Literal() {
            return host.indexOf(':') >= 0;
        }

        /** The host as it appears inside URLs: IPv6 literals in brackets. */
        public String bracketedHost() {
            return isIpv6Literal() ? "[" + host + "]" : host;
        }

        @Override
        public String format(AddressForm form) {
            return switch (form) {
                case SENDMAIL -> (isIpv6Literal() ? "inet6:" : "inet:") + port + "@" + host;
                case MAILFROMD -> (isIpv6Literal() ? "inet6://" : "inet://") + bracketedHost() + ":" + port;
                case POSTFIX -> "inet:" + bracketedHost() + ":" + port;
            };
        }

        @Override
        public InetSocketAddress toSocketAddress() {
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new UncheckedIOException("cannot resolve host \"" + host + "\" of " + this, e);
            }
        }

        @Override
        public boolean sameSocket(SocketEndpoint other) {
            return other instanceof Inet inet && inet.port == port && inet.host.equalsIgnoreCase(host);
        }

        @Override
        public String detail() {
            return "TCP port " + port + " on " + (isIpv6Literal() ? "IPv6 address " : "host ") + host;
        }

        /** The address written the way it was parsed. */
        @Override
        public String toString() {
            return switch (syntax) {
                case SENDMAIL_INET, SENDMAIL_INET6 -> format(AddressForm.SENDMAIL);
                case SENDMAIL_INET_ANY -> "inet:" + port;
                case POSTFIX_INET -> format(AddressForm.POSTFIX);
                case HOST_PORT -> bracketedHost() + ":" + port;
                default -> format(AddressForm.MAILFROMD);
            };
        }
    }

    /** A unix-domain socket. */
    record Unix(Path path, AddressSyntax syntax) implements SocketEndpoint {

        public Unix {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(syntax, "syntax");
            if (path.toString().isEmpty()) {
                throw new IllegalArgumentException("path: empty (expected: a socket file name)");
            }
        }

        @Override
        public String format(AddressForm form) {
            return switch (form) {
                case SENDMAIL, POSTFIX -> "unix:" + path;
                case MAILFROMD -> "unix://" + path;
            };
        }

        @Override
        public UnixDomainSocketAddress toSocketAddress() {
            return UnixDomainSocketAddress.of(path);
        }

        @Override
        public boolean sameSocket(SocketEndpoint other) {
            return other instanceof Unix unix && unix.path.normalize().equals(path.normalize());
        }

        @Override
        public String detail() {
            return "unix socket " + path + (path.isAbsolute() ? "" : " (relative to the working directory)");
        }

        /** The address written the way it was parsed. */
        @Override
        public String toString() {
            return switch (syntax) {
                case BARE_PATH -> path.toString();
                case SENDMAIL_UNIX -> "unix:" + path;
                case SENDMAIL_LOCAL -> "local:" + path;
                case MAILFROMD_LOCAL -> "local://" + path;
                default -> format(AddressForm.MAILFROMD);
            };
        }
    }
}
