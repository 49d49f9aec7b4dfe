package org.pmult.sim.meta1;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the {@code policy_milter} section from a meta1.conf, or from a file holding only that
 * section. The section may stand at the top level or inside an {@code smtps} section (with or without
 * a label); everything else in the file is ignored. Exactly one such section must exist.
 *
 * <pre>
 * policy_milter {
 *     socket { type = inet; address = 127.0.0.1; port = 3333; };   # or: type = unix; path = /run/pmult.sock;
 *     timeout = 5m;                                                 # optional
 *     flags = { abort };                                            # optional: abort | accept_but_reconnect
 * };
 * </pre>
 */
public final class Meta1ConfigParser {

    private static final int MAX_CONFIG_BYTES = 4 * 1024 * 1024;
    private static final int MAX_PORT = 65_535;

    private final String source;

    private Meta1ConfigParser(String source) {
        this.source = source;
    }

    /** Reads and parses a file; errors name it as given. */
    public static Meta1PolicyMilterConfig parse(Path file) throws Meta1ConfigException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES) {
                throw new Meta1ConfigException(file + ": size " + size + " bytes (expected: <= " + MAX_CONFIG_BYTES
                        + "); is this a meta1.conf?");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Meta1ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    /** Parses configuration text; {@code source} names it in errors ({@code source:line: …}). */
    public static Meta1PolicyMilterConfig parse(String source, String text) throws Meta1ConfigException {
        return new Meta1ConfigParser(source).read(Meta1Syntax.parse(source, text));
    }

    private Meta1PolicyMilterConfig read(List<Meta1Tree.Entry> topLevel) throws Meta1ConfigException {
        List<Meta1Tree.Entry> found = new ArrayList<>();
        for (Meta1Tree.Entry entry : topLevel) {
            if (entry.isNamed("policy_milter")) {
                found.add(entry);
            } else if (entry.isNamed("smtps") && entry.value() instanceof Meta1Tree.Section smtps) {
                for (Meta1Tree.Entry inner : smtps.entries()) {
                    if (inner.isNamed("policy_milter")) {
                        found.add(inner);
                    }
                }
            }
        }
        if (found.isEmpty()) {
            throw new Meta1ConfigException(source + ": no policy_milter section (expected: one at the top level "
                    + "or inside smtps { … })");
        }
        if (found.size() > 1) {
            StringBuilder lines = new StringBuilder();
            for (Meta1Tree.Entry entry : found) {
                lines.append(lines.length() == 0 ? "" : ", ").append(entry.line());
            }
            throw new Meta1ConfigException(source + ":" + found.get(1).line() + ": " + found.size()
                    + " policy_milter sections (lines " + lines + "); expected exactly one: copy the one to test "
                    + "into a file of its own");
        }
        return policyMilter(found.get(0));
    }

    private Meta1PolicyMilterConfig policyMilter(Meta1Tree.Entry entry) throws Meta1ConfigException {
        Map<String, Meta1Tree.Entry> keys = keys(entry, "policy_milter", List.of("socket", "timeout", "flags"));
        Meta1Tree.Entry socket = keys.get("socket");
        if (socket == null) {
            throw error(entry.line(), "policy_milter: missing socket { … } (expected: socket { type = inet; "
                    + "address = …; port = …; } or socket { type = unix; path = …; })");
        }
        SocketAddress address = socket(socket);
        Duration timeout = keys.containsKey("timeout") ? timeout(keys.get("timeout"))
                : Meta1PolicyMilterConfig.DEFAULT_TIMEOUT;
        FailurePolicy policy = keys.containsKey("flags") ? flags(keys.get("flags")) : FailurePolicy.TEMPFAIL;
        return new Meta1PolicyMilterConfig(address, timeout, policy, source + ":" + entry.line());
    }

    private SocketAddress socket(Meta1Tree.Entry socket) throws Meta1ConfigException {
        Map<String, Meta1Tree.Entry> keys = keys(socket, "policy_milter.socket",
                List.of("type", "address", "port", "path"));
        Meta1Tree.Entry type = keys.get("type");
        if (type == null) {
            throw error(socket.line(), "policy_milter.socket: missing type (expected: type = inet or type = unix)");
        }
        String kind = scalar(type, "policy_milter.socket.type").toLowerCase(Locale.ROOT);
        switch (kind) {
            case "inet" -> {
                forbid(keys, "path", "policy_milter.socket: path is for type = unix (expected: address and port "
                        + "with type = inet, not both)");
                Meta1Tree.Entry address = required(keys, "address", socket, "policy_milter.socket: type = inet "
                        + "needs address (expected: e.g. address = 127.0.0.1;)");
                Meta1Tree.Entry port = required(keys, "port", socket, "policy_milter.socket: type = inet needs "
                        + "port (expected: e.g. port = 3333;)");
                return new InetSocketAddress(ipAddress(address), port(port));
            }
            case "unix" -> {
                forbid(keys, "address", "policy_milter.socket: address is for type = inet (expected: path only "
                        + "with type = unix, not both)");
                forbid(keys, "port", "policy_milter.socket: port is for type = inet (expected: path only "
                        + "with type = unix, not both)");
                Meta1Tree.Entry path = required(keys, "path", socket, "policy_milter.socket: type = unix needs "
                        + "path (expected: e.g. path = /run/pmult.sock;)");
                String value = scalar(path, "policy_milter.socket.path");
                if (value.isEmpty()) {
                    throw error(path.line(), "policy_milter.socket.path: empty (expected: the socket file)");
                }
                return UnixDomainSocketAddress.of(value);
            }
            default -> throw error(type.line(), "policy_milter.socket.type: unknown type \"" + kind
                    + "\" (expected: inet or unix)");
        }
    }

    private InetAddress ipAddress(Meta1Tree.Entry entry) throws Meta1ConfigException {
        String text = scalar(entry, "policy_milter.socket.address");
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(text);
        if (address == null) {
            throw error(entry.line(), "policy_milter.socket.address: \"" + text
                    + "\" is not an IP address (expected: e.g. 127.0.0.1 or ::1)");
        }
        return address;
    }

    private int port(Meta1Tree.Entry entry) throws Meta1ConfigException {
        String text = scalar(entry, "policy_milter.socket.port");
        int port;
        try {
            port = text.length() > 5 ? -1 : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > MAX_PORT) {
            throw error(entry.line(), "policy_milter.socket.port: \"" + text + "\" (expected: 1.." + MAX_PORT + ")");
        }
        return port;
    }

    private Duration timeout(Meta1Tree.Entry entry) throws Meta1ConfigException {
        String text = scalar(entry, "policy_milter.timeout");
        Duration timeout;
        try {
            timeout = Meta1Interval.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(entry.line(), "policy_milter.timeout: " + e.getMessage());
        }
        if (timeout.isZero()) {
            throw error(entry.line(), "policy_milter.timeout: \"" + text + "\" is zero (expected: > 0)");
        }
        return timeout;
    }

    private FailurePolicy flags(Meta1Tree.Entry entry) throws Meta1ConfigException {
        List<Meta1Tree.Scalar> words;
        if (entry.value() instanceof Meta1Tree.ListValue list) {
            words = list.items();
        } else if (entry.value() instanceof Meta1Tree.Scalar scalar) {
            words = List.of(scalar);
        } else {
            throw error(entry.line(), "policy_milter.flags: a section "
                    + "(expected: flags = { abort }; or flags = { accept_but_reconnect };)");
        }
        FailurePolicy chosen = FailurePolicy.TEMPFAIL;
        for (Meta1Tree.Scalar word : words) {
            FailurePolicy policy = FailurePolicy.fromFlagName(word.text());
            if (policy == null || policy == FailurePolicy.TEMPFAIL) {
                throw error(word.line(), "policy_milter.flags: unknown flag \"" + word.text()
                        + "\" (expected: abort or accept_but_reconnect)");
            }
            if (chosen != FailurePolicy.TEMPFAIL && chosen != policy) {
                throw error(word.line(), "policy_milter.flags: both abort and accept_but_reconnect "
                        + "(expected: at most one; they contradict each other)");
            }
            chosen = policy;
        }
        return chosen;
    }

    /** The entries of a section by lower-case name; unknown and repeated keys are errors. */
    private Map<String, Meta1Tree.Entry> keys(Meta1Tree.Entry entry, String path, List<String> allowed)
            throws Meta1ConfigException {
        if (!(entry.value() instanceof Meta1Tree.Section section)) {
            throw error(entry.line(), path + ": a value (expected: a section " + path.substring(path.lastIndexOf('.') + 1)
                    + " { … })");
        }
        Map<String, Meta1Tree.Entry> keys = new LinkedHashMap<>();
        for (Meta1Tree.Entry inner : section.entries()) {
            String name = inner.name().toLowerCase(Locale.ROOT);
            if (!allowed.contains(name)) {
                throw error(inner.line(), path + ": unknown key \"" + inner.name() + "\" (expected: one of "
                        + String.join(", ", allowed) + ")");
            }
            Meta1Tree.Entry previous = keys.put(name, inner);
            if (previous != null) {
                throw error(inner.line(), path + ": " + name + " given twice (first on line " + previous.line() + ")");
            }
        }
        return keys;
    }

    private String scalar(Meta1Tree.Entry entry, String path) throws Meta1ConfigException {
        if (entry.value() instanceof Meta1Tree.Scalar scalar) {
            return scalar.text();
        }
        throw error(entry.line(), path + ": a list or section (expected: a single value, e.g. "
                + entry.name() + " = value;)");
    }

    private Meta1Tree.Entry required(Map<String, Meta1Tree.Entry> keys, String key, Meta1Tree.Entry section,
            String message) throws Meta1ConfigException {
        Meta1Tree.Entry entry = keys.get(key);
        if (entry == null) {
            throw error(section.line(), message);
        }
        return entry;
    }

    private void forbid(Map<String, Meta1Tree.Entry> keys, String key, String message) throws Meta1ConfigException {
        Meta1Tree.Entry entry = keys.get(key);
        if (entry != null) {
            throw error(entry.line(), message);
        }
    }

    private Meta1ConfigException error(int line, String message) {
        return new Meta1ConfigException(source + ":" + line + ": " + message);
    }
}
