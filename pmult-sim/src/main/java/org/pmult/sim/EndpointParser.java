package org.pmult.sim;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Locale;

/**
 * Parses {@code --connect}: {@code inet:HOST:PORT}, {@code inet://HOST:PORT}, {@code inet:PORT@HOST}
 * (mailfromd's form), {@code HOST:PORT}, {@code [IPV6]:PORT}, {@code unix:PATH}, {@code unix://PATH}
 * or an absolute {@code /PATH} (a unix socket).
 */
final class EndpointParser {

    private EndpointParser() {
    }

    /** @throws IllegalArgumentException saying which form was expected */
    static SocketAddress parse(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("unix:") || text.startsWith("/")) {
            String path = lower.startsWith("unix:") ? text.substring("unix:".length()) : text;
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            if (path.isEmpty()) {
                throw bad(text, "no socket path");
            }
            return UnixDomainSocketAddress.of(path);
        }
        String rest = text;
        if (lower.startsWith("inet://")) {
            rest = text.substring("inet://".length());
        } else if (lower.startsWith("inet6://")) {
            rest = text.substring("inet6://".length());
        } else if (lower.startsWith("inet:")) {
            rest = text.substring("inet:".length());
        } else if (lower.startsWith("inet6:")) {
            rest = text.substring("inet6:".length());
        }
        String host;
        String port;
        int at = rest.indexOf('@');
        if (at >= 0) {
            port = rest.substring(0, at);
            host = rest.substring(at + 1);
        } else if (rest.startsWith("[")) {
            int close = rest.indexOf("]:");
            if (close < 0) {
                throw bad(text, "IPv6 address without \"]:PORT\"");
            }
            host = rest.substring(1, close);
            port = rest.substring(close + 2);
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon < 0) {
                throw bad(text, "no port");
            }
            host = rest.substring(0, colon);
            port = rest.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw bad(text, "no host");
        }
        InetSocketAddress address = new InetSocketAddress(host, port(text, port));
        if (address.isUnresolved()) {
            throw bad(text, "cannot resolve host \"" + host + "\"");
        }
        return address;
    }

    private static int port(String text, String port) {
        int value = -1;
        if (!port.isEmpty() && port.length() <= 5 && port.chars().allMatch(Character::isDigit)) {
            value = Integer.parseInt(port);
        }
        if (value < 1 || value > 65_535) {
            throw bad(text, "port \"" + port + "\" (expected: 1..65535)");
        }
        return value;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("--connect \"" + text + "\": " + why + " (expected: inet:HOST:PORT, "
                + "HOST:PORT, [IPV6]:PORT, inet:PORT@HOST, unix:PATH or /PATH)");
    }
}
