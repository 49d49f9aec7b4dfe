package org.pmult.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** The grammar behind {@link SocketEndpoint#parse}; kept out of the public type. */
final class AddressParser {

    static final String EXPECTED_FORMS = "inet://HOST:PORT, inet6://[ADDR]:PORT, unix:///PATH, inet:PORT@HOST, "
            + "inet6:PORT@ADDR, inet:HOST:PORT, unix:PATH, local:PATH or /PATH";

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");

    private AddressParser() {
    }

    static SocketEndpoint parse(String text) {
        Objects.requireNonNull(text, "address");
        String input = text.strip();
        if (input.isEmpty()) {
            throw new IllegalArgumentException("empty address (expected: " + EXPECTED_FORMS + ")");
        }
        if (input.startsWith("/")) {
            return unix(input, input, AddressSyntax.BARE_PATH);
        }
        int colon = input.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("unrecognized address \"" + input + "\" (expected: " + EXPECTED_FORMS + ")");
        }
        String scheme = input.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = input.substring(colon + 1);
        boolean url = rest.startsWith("//");
        String body = url ? rest.substring(2) : rest;
        return switch (scheme) {
            case "unix" -> unix(body, input, url ? AddressSyntax.MAILFROMD_UNIX : AddressSyntax.SENDMAIL_UNIX);
            case "local" -> unix(body, input, url ? AddressSyntax.MAILFROMD_LOCAL : AddressSyntax.SENDMAIL_LOCAL);
            case "inet" -> url ? hostColonPort(body, input, AddressSyntax.MAILFROMD_INET) : inet(body, input);
            case "inet6" -> url ? inet6Url(body, input) : portAtHost(body, input, AddressSyntax.SENDMAIL_INET6);
            default -> throw new IllegalArgumentException("unknown scheme \"" + input.substring(0, colon) + "\" in \""
                    + input + "\" (expected: inet, inet6, unix or local)");
        };
    }

    static SocketEndpoint.Inet parseHostPort(String text, String defaultHost) {
        String input = text.strip();
        if (input.chars().allMatch(Character::isDigit) && !input.isEmpty()) {
            return new SocketEndpoint.Inet(defaultHost, port(input, input), AddressSyntax.HOST_PORT);
        }
        if (input.contains("://") || input.startsWith("inet:") || input.startsWith("inet6:")) {
            if (parse(input) instanceof SocketEndpoint.Inet inet) {
                return inet;
            }
        } else if (!input.isEmpty() && !input.startsWith("/") && !input.startsWith("unix:") && !input.startsWith("local:")) {
            return hostColonPort(input, input, AddressSyntax.HOST_PORT);
        }
        throw new IllegalArgumentException("bad address \"" + input + "\" (expected: PORT, HOST:PORT or [ADDR]:PORT)");
    }

    private static SocketEndpoint unix(String path, String input, AddressSyntax syntax) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("missing socket path in \"" + input + "\"");
        }
        try {
            return new SocketEndpoint.Unix(Path.of(path), syntax);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("bad socket path in \"" + input + "\": " + e.getReason());
        }
    }

    /** {@code inet:PORT@HOST} (Sendmail), {@code inet:HOST:PORT} (Postfix) or {@code inet:PORT}. */
    private static SocketEndpoint inet(String body, String input) {
        if (body.indexOf('@') >= 0) {
            return portAtHost(body, input, AddressSyntax.SENDMAIL_INET);
        }
        if (body.indexOf(':') >= 0 || body.startsWith("[")) {
            return hostColonPort(body, input, AddressSyntax.POSTFIX_INET);
        }
        return new SocketEndpoint.Inet("0.0.0.0", port(body, input), AddressSyntax.SENDMAIL_INET_ANY);
    }

    private static SocketEndpoint portAtHost(String body, String input, AddressSyntax syntax) {
        int at = body.indexOf('@');
        if (at < 0) {
            if (syntax == AddressSyntax.SENDMAIL_INET6) {
                throw new IllegalArgumentException("missing \"@ADDR\" in \"" + input + "\" (expected: inet6:PORT@ADDR)");
            }
            throw new IllegalArgumentException("missing \"@HOST\" in \"" + input + "\"");
        }
        int port = port(body.substring(0, at), input);
        String host = body.substring(at + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new SocketEndpoint.Inet(host(host, input), port, syntax);
    }

    private static SocketEndpoint.Inet hostColonPort(String body, String input, AddressSyntax syntax) {
        String host;
        String port;
        if (body.startsWith("[")) {
            int close = body.indexOf(']');
            if (close < 0 || close + 1 >= body.length() || body.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("bad IPv6 address in \"" + input + "\" (expected: [ADDR]:PORT)");
            }
            host = body.substring(1, close);
            if (host.indexOf(':') < 0) {
                throw new IllegalArgumentException("bad IPv6 address \"" + host + "\" in \"" + input + "\"");
            }
            port = body.substring(close + 2);
        } else {
            int colon = body.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("missing \":PORT\" in \"" + input + "\"");
            }
            host = body.substring(0, colon);
            port = body.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("IPv6 address in \"" + input + "\" must be in brackets, e.g. [::1]:" + port);
            }
        }
        int portNumber = port(port, input);
        return new SocketEndpoint.Inet(host(host, input), portNumber, syntax);
    }

    private static SocketEndpoint inet6Url(String body, String input) {
        if (!body.startsWith("[")) {
            throw new IllegalArgumentException("IPv6 address in \"" + input + "\" must be in brackets (expected: inet6://[ADDR]:PORT)");
        }
        return hostColonPort(body, input, AddressSyntax.MAILFROMD_INET6);
    }

    private static String host(String host, String input) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host in \"" + input + "\"");
        }
        if (host.indexOf(':') >= 0) {
            if (!host.matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("bad IPv6 address \"" + host + "\" in \"" + input + "\"");
            }
            try {
                InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad IPv6 address \"" + host + "\" in \"" + input + "\"");
            }
            return host;
        }
        if (IPV4_LIKE.matcher(host).matches()) {
            String[] octets = host.split("\\.", -1);
            boolean valid = octets.length == 4;
            for (String octet : octets) {
                valid &= !octet.isEmpty() && octet.length() <= 3 && Integer.parseInt(octet) <= 255;
            }
            if (!valid) {
                throw new IllegalArgumentException("bad IPv4 address \"" + host + "\" in \"" + input + "\"");
            }
            return host;
        }
        if (!HOST_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("bad host \"" + host + "\" in \"" + input
                    + "\" (expected: a host name, IPv4 address or IPv6 address)");
        }
        return host;
    }

    private static int port(String port, String input) {
        if (port.isEmpty()) {
            throw new IllegalArgumentException("missing port in \"" + input + "\"");
        }
        if (port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long value = port.length() > 6 ? Long.MAX_VALUE : Long.parseLong(port);
            if (value < 1 || value > 65535) {
                throw new IllegalArgumentException("bad port " + port + " in \"" + input + "\" (expected: 1..65535)");
            }
            return (int) value;
        }
        OptionalInt service = port.matches("[A-Za-z][A-Za-z0-9_.+-]*") ? ServiceNames.tcpPort(port) : OptionalInt.empty();
        if (service.isEmpty()) {
            throw new IllegalArgumentException("bad port \"" + port + "\" in \"" + input
                    + "\" (expected: 1..65535 or a TCP service name from /etc/services)");
        }
        return service.getAsInt();
    }
}
