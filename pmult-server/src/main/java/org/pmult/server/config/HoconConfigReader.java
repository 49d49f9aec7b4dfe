package org.pmult.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.BadValue;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Turns Typesafe Config (a HOCON/JSON/properties file over {@code reference.conf}) into a
 * {@link PmultConfig}. Every error names the file, the line and the key
 * ({@code pmult.hocon:12: clients.mfd.timeouts.read: bad duration "10 parsecs" (...)}), and keys
 * under {@code pmult} that {@code reference.conf} does not define are errors.
 */
final class HoconConfigReader {

    private static final String ROOT = "pmult";
    private static final Set<String> LISTEN_OBJECT_KEYS = Set.of("url", "mode", "owner", "group");

    private final Config merged;
    private final Config reference;
    private final List<ConfigNote> notes = new ArrayList<>();

    private HoconConfigReader(Config merged, Config reference) {
        this.merged = merged;
        this.reference = reference;
    }

    /** The built-in reference configuration shipped in the jar. */
    static Config reference() {
        return ConfigFactory.parseResources(HoconConfigReader.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    static LoadedConfig read(Path file) {
        Config user;
        try {
            user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw translate(e, file.toString());
        }
        checkKnownKeys(user, reference());
        if (!user.hasPathOrNull(ROOT)) {
            throw new ConfigException(file.toString(), "no pmult settings (expected keys under pmult, e.g. pmult.listen = [\"inet://127.0.0.1:3333\"])");
        }
        return bind(user, Optional.of(file), ConfigFormat.HOCON);
    }

    static LoadedConfig builtin() {
        return bind(ConfigFactory.empty(), Optional.empty(), ConfigFormat.BUILTIN);
    }

    /** The built-in defaults plus one client {@code name} at {@code url} with the default client settings. */
    static LoadedConfig builtinWithClient(String name, String url) {
        Config client = ConfigFactory.empty().withValue(ROOT + ".clients." + name + ".url",
                com.typesafe.config.ConfigValueFactory.fromAnyRef(url, "mailfromd's default socket"));
        return bind(client, Optional.empty(), ConfigFormat.BUILTIN);
    }

    /** Validates {@code user} against the reference, merges and binds it. */
    static LoadedConfig bind(Config user, Optional<Path> source, ConfigFormat format) {
        Config reference = reference();
        checkKnownKeys(user, reference);
        Config merged;
        try {
            merged = user.withFallback(reference).resolve();
        } catch (com.typesafe.config.ConfigException e) {
            throw translate(e, source.map(Path::toString).orElse("reference.conf"));
        }
        HoconConfigReader reader = new HoconConfigReader(merged, reference);
        PmultConfig config = reader.config();
        reader.notes.addAll(ConfigLoader.standardNotes(config));
        return new LoadedConfig(config, source, format, reader.notes);
    }

    private PmultConfig config() {
        List<ListenConfig> listen = listen();
        List<ClientConfig> clients = clients();
        MacroConfig macros = build("macros", () -> new MacroConfig(stageLists("pmult.macros.define", MacroNames::meta1),
                sendmailNames(), stageLists("pmult.macros.v2-defaults", MacroNames::sendmail), macroDefaults()));
        Optional<Path> pidfile = convert("pmult.pidfile", () -> optionalString("pmult.pidfile").map(Path::of));
        DebugSpec debug = convert("pmult.debug", () -> DebugSpec.parse(string("pmult.debug")));
        debug.notes().forEach(note -> notes.add(ConfigNote.info(where("pmult.debug") + ": " + note)));
        Optional<SocketEndpoint.Inet> metrics = optionalString("pmult.metrics.address")
                .map(address -> convert("pmult.metrics.address", () -> SocketEndpoint.parseHostPort(address, "127.0.0.1")));
        Limits limits = build("limits", () -> new Limits(
                integer("pmult.limits.max-connections"),
                integer("pmult.limits.max-sessions-per-connection"),
                integer("pmult.limits.advertised-max-sessions"),
                bytes("pmult.limits.max-frame-length"),
                duration("pmult.limits.idle-timeout")));
        Duration grace = duration("pmult.shutdown-grace");
        EventLoops eventLoops = build("event-loops", () -> new EventLoops(integer("pmult.event-loops.threads"),
                duration("pmult.event-loops.spin")));
        Backoff reconnect = build("reconnect", () -> new Backoff(duration("pmult.reconnect.initial"), duration("pmult.reconnect.max")));
        return build("", () -> new PmultConfig(listen, clients, macros, pidfile, debug, metrics, limits, grace, reconnect,
                eventLoops));
    }

    private List<ListenConfig> listen() {
        UnixSocketOptions defaults = build("unix-socket", () -> new UnixSocketOptions(
                mode("pmult.unix-socket.mode", merged.getValue("pmult.unix-socket.mode")),
                optionalString("pmult.unix-socket.owner"),
                optionalString("pmult.unix-socket.group")));
        ConfigList list = convert("pmult.listen", () -> merged.getList("pmult.listen"));
        List<ListenConfig> listen = new ArrayList<>();
        for (ConfigValue element : list) {
            String location = where(element.origin());
            if (element.valueType() == ConfigValueType.STRING) {
                listen.add(new ListenConfig(endpoint(location, "listen", (String) element.unwrapped()), defaults));
            } else if (element.valueType() == ConfigValueType.OBJECT) {
                listen.add(listenObject(location, (ConfigObject) element, defaults));
            } else {
                throw new ConfigException(location, "listen: " + element.valueType().name().toLowerCase()
                        + " element (expected: an address string or { url = ..., mode = ..., owner = ..., group = ... })");
            }
        }
        return listen;
    }

    private ListenConfig listenObject(String location, ConfigObject object, UnixSocketOptions defaults) {
        for (String key : object.keySet()) {
            if (!LISTEN_OBJECT_KEYS.contains(key)) {
                throw new ConfigException(where(object.get(key).origin()), "listen: unknown key \"" + key + "\""
                        + suggestion(key, LISTEN_OBJECT_KEYS) + " (expected: url, mode, owner or group)");
            }
        }
        ConfigValue url = object.get("url");
        if (url == null || url.valueType() != ConfigValueType.STRING) {
            throw new ConfigException(location, "listen: object without url string");
        }
        SocketEndpoint endpoint = endpoint(where(url.origin()), "listen.url", (String) url.unwrapped());
        try {
            int mode = object.containsKey("mode") ? mode("listen.mode", object.get("mode")) : defaults.mode();
            Optional<String> owner = object.containsKey("owner") ? nonEmpty(String.valueOf(object.get("owner").unwrapped())) : defaults.owner();
            Optional<String> group = object.containsKey("group") ? nonEmpty(String.valueOf(object.get("group").unwrapped())) : defaults.group();
            return new ListenConfig(endpoint, new UnixSocketOptions(mode, owner, group));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(location, "listen: " + e.getMessage());
        }
    }

    private List<ClientConfig> clients() {
        ConfigObject object = convert("pmult.clients", () -> merged.getObject("pmult.clients"));
        List<String> names = new ArrayList<>(object.keySet());
        List<String> order = convert("pmult.client-order", () -> merged.getStringList("pmult.client-order"));
        if (order.isEmpty()) {
            names.sort(Comparator.comparingInt((String name) -> object.get(name).origin().lineNumber()).thenComparing(name -> name));
            Set<String> files = new HashSet<>();
            names.forEach(name -> files.add(String.valueOf(object.get(name).origin().filename())));
            if (files.size() > 1) {
                notes.add(ConfigNote.warning(where("pmult.clients") + ": clients are defined in several files and are"
                        + " consulted by line number; set client-order to make the order explicit"));
            }
        } else {
            if (!new HashSet<>(order).equals(new HashSet<>(names)) || order.size() != names.size()) {
                throw new ConfigException(where("pmult.client-order"), "client-order: " + order
                        + " (expected: each of " + names + " exactly once)");
            }
            names = order;
        }
        Map<MacroStage, List<String>> v2Defaults = stageLists("pmult.macros.v2-defaults", MacroNames::sendmail);
        List<ClientConfig> clients = new ArrayList<>();
        for (String name : names) {
            clients.add(client(name, v2Defaults));
        }
        return clients;
    }

    private ClientConfig client(String name, Map<MacroStage, List<String>> v2Defaults) {
        String prefix = "pmult.clients." + ConfigUtil.quoteString(name);
        ClientInstances instances = instances(prefix, name);
        SocketEndpoint endpoint = instances.urls().get(0);
        String type = string(clientPath(prefix, "type"));
        if (!type.equalsIgnoreCase("milter")) {
            throw fail(clientPath(prefix, "type"), "\"" + type + "\" is not supported (expected: milter)");
        }
        ClientTimeouts timeouts = build(clientPath(prefix, "timeouts"), () -> new ClientTimeouts(
                duration(clientPath(prefix, "timeouts.connect")),
                duration(clientPath(prefix, "timeouts.read")),
                duration(clientPath(prefix, "timeouts.write")),
                duration(clientPath(prefix, "timeouts.eom"))));
        String actionPath = clientPath(prefix, "default-action");
        FailureAction action = FailureAction.fromConfigName(string(actionPath)).orElseThrow(() -> fail(actionPath,
                "\"" + string(actionPath) + "\" (expected: " + FailureAction.choices() + ")"));
        ClientConnections connections = build(clientPath(prefix, "connections"), () -> new ClientConnections(
                integer(clientPath(prefix, "connections.spare")),
                bool(clientPath(prefix, "connections.reuse")),
                integer(clientPath(prefix, "connections.max-idle")),
                duration(clientPath(prefix, "connections.idle-timeout")),
                integer(clientPath(prefix, "connections.max-pending-connects"))));
        Optional<String> logLevel = optionalString(clientPath(prefix, "log-level"));
        Map<MacroStage, List<String>> v2 = new EnumMap<>(v2Defaults);
        v2.putAll(stageLists("pmult.client-defaults.v2-macros", MacroNames::sendmail));
        if (merged.hasPath(prefix + ".v2-macros")) {
            v2.putAll(stageLists(prefix + ".v2-macros", MacroNames::sendmail));
        }
        boolean evaluate = bool(clientPath(prefix, "evaluation-mode"));
        String quarantinePath = clientPath(prefix, "quarantine-action");
        QuarantineAction quarantine = QuarantineAction.fromConfigName(string(quarantinePath)).orElseThrow(() ->
                fail(quarantinePath, "\"" + string(quarantinePath) + "\" (expected: " + QuarantineAction.choices() + ")"));
        return build(prefix, () -> new ClientConfig(name, endpoint, timeouts, action, connections, logLevel, v2, evaluate,
                instances, quarantine));
    }

    /** A client's {@code url}, one socket or a list of equivalent instances, and its {@code balance}. */
    private ClientInstances instances(String prefix, String name) {
        String urlPath = clientPath(prefix, "url");
        List<String> texts = !merged.getIsNull(urlPath) && merged.getValue(urlPath).valueType() == ConfigValueType.LIST
                ? convert(urlPath, () -> merged.getStringList(urlPath)) : List.of(string(urlPath));
        if (texts.isEmpty() || texts.stream().anyMatch(String::isBlank)) {
            throw new ConfigException(where(prefix), "clients." + name + ": missing url (expected: the milter's socket, e.g. url = \"unix:///run/mailfromd/mailfromd.sock\", or a list of equivalent instances)");
        }
        List<SocketEndpoint> urls = new ArrayList<>();
        for (String text : texts) {
            urls.add(endpoint(where(urlPath), "clients." + name + ".url", text.strip()));
        }
        String balancePath = clientPath(prefix, "balance");
        ClientInstances.Balance balance = ClientInstances.Balance.fromConfigName(string(balancePath)).orElseThrow(() ->
                fail(balancePath, "\"" + string(balancePath) + "\" (expected: " + ClientInstances.Balance.choices() + ")"));
        return build(prefix, () -> new ClientInstances(urls, balance));
    }

    /** The path of a client key: the client's own setting if it has one, else client-defaults'. */
    private String clientPath(String prefix, String key) {
        String own = prefix + "." + key;
        return merged.hasPathOrNull(own) ? own : "pmult.client-defaults." + key;
    }

    /** A stage-to-names object, each name checked (and canonicalised) by {@code name}. */
    private Map<MacroStage, List<String>> stageLists(String path, UnaryOperator<String> name) {
        ConfigObject object = convert(path, () -> merged.getObject(path));
        Map<MacroStage, List<String>> lists = new EnumMap<>(MacroStage.class);
        for (String key : object.keySet()) {
            String keyPath = path + "." + ConfigUtil.quoteString(key);
            MacroStage stage = MacroStage.fromConfigName(key).orElseThrow(() -> fail(keyPath,
                    "unknown stage (expected: connect, helo, mail, rcpt, data, eoh or eom)"));
            lists.put(stage, convert(keyPath, () -> merged.getStringList(keyPath).stream().map(name).toList()));
        }
        return lists;
    }

    private Map<String, String> sendmailNames() {
        ConfigObject object = convert("pmult.macros.sendmail-names", () -> merged.getObject("pmult.macros.sendmail-names"));
        Map<String, String> names = new LinkedHashMap<>();
        for (String key : object.keySet()) {
            String keyPath = "pmult.macros.sendmail-names." + ConfigUtil.quoteString(key);
            names.put(convert(keyPath, () -> MacroNames.meta1(key)), convert(keyPath, () -> MacroNames.sendmail(merged.getString(keyPath))));
        }
        return names;
    }

    private Map<String, String> macroDefaults() {
        ConfigObject object = convert("pmult.macros.defaults", () -> merged.getObject("pmult.macros.defaults"));
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : object.keySet()) {
            String keyPath = "pmult.macros.defaults." + ConfigUtil.quoteString(key);
            values.put(convert(keyPath, () -> MacroNames.sendmail(key)), convert(keyPath, () -> merged.getString(keyPath)));
        }
        return values;
    }

    private SocketEndpoint endpoint(String location, String key, String text) {
        try {
            return SocketEndpoint.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(location, key + ": " + e.getMessage());
        }
    }

    private int mode(String path, ConfigValue value) {
        Object raw = value.unwrapped();
        try {
            if (raw instanceof Number || raw instanceof String) {
                return UnixSocketOptions.parseMode(String.valueOf(raw));
            }
            throw new IllegalArgumentException("bad mode " + value.render() + " (expected: octal permission bits such as \"0660\")");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(value.origin()), display(path) + ": " + e.getMessage());
        }
    }

    private String string(String path) {
        if (merged.getIsNull(path)) {
            return "";
        }
        return convert(path, () -> merged.getString(path)).strip();
    }

    private Optional<String> optionalString(String path) {
        return nonEmpty(string(path));
    }

    private static Optional<String> nonEmpty(String value) {
        return value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    private int integer(String path) {
        return convert(path, () -> merged.getInt(path));
    }

    private boolean bool(String path) {
        ConfigValue value = merged.getValue(path);
        if (value.valueType() != com.typesafe.config.ConfigValueType.BOOLEAN
                && !(value.unwrapped() instanceof String text && text.matches("(?i)true|false|yes|no|on|off"))) {
            throw fail(path, value.render() + " (expected: true or false)");
        }
        return convert(path, () -> merged.getBoolean(path));
    }

    private int bytes(String path) {
        long bytes = convert(path, () -> merged.getBytes(path));
        if (bytes > Integer.MAX_VALUE) {
            throw fail(path, bytes + " bytes (expected: <= " + Limits.MAX_FRAME_LENGTH + ")");
        }
        return (int) bytes;
    }

    /** HOCON durations ({@code 10s}, {@code 5 minutes}) and mailfromd intervals; a bare number other than 0 is refused. */
    private Duration duration(String path) {
        ConfigValue value = convert(path, () -> merged.getValue(path));
        if (value.valueType() == ConfigValueType.NUMBER) {
            if (((Number) value.unwrapped()).doubleValue() == 0) {
                return Duration.ZERO;
            }
            throw fail(path, "bad duration " + value.render() + " (expected: a unit, e.g. " + value.render()
                    + "s or " + value.render() + " seconds; a bare number would be milliseconds in HOCON)");
        }
        if (value.valueType() != ConfigValueType.STRING) {
            throw fail(path, "bad duration " + value.render() + " (expected: e.g. 10s or 5 minutes)");
        }
        String text = (String) value.unwrapped();
        try {
            return merged.getDuration(path);
        } catch (BadValue hoconStyle) {
            try {
                return Intervals.parse(text);
            } catch (IllegalArgumentException mailfromdStyle) {
                throw fail(path, "bad duration \"" + text + "\" (expected: e.g. 10s, 5 minutes or \"1 hour 30 minutes\")");
            }
        }
    }

    /** Runs a Typesafe accessor, turning its exceptions into ours with file, line and key. */
    private <T> T convert(String path, Supplier<T> accessor) {
        try {
            return accessor.get();
        } catch (com.typesafe.config.ConfigException e) {
            String detail = e.getMessage();
            if (e.origin() != null && detail.startsWith(e.origin().description() + ": ")) {
                detail = detail.substring(e.origin().description().length() + 2);
            }
            if (detail.startsWith(path + " ")) {
                detail = detail.substring(path.length() + 1);
            }
            throw fail(path, detail);
        } catch (IllegalArgumentException e) {
            throw fail(path, e.getMessage());
        }
    }

    /**
     * Builds a record whose constructor validates; its messages start with the failing field
     * ({@code "max-connections: 0 (expected: 1..100000)"}), which is located under {@code section}.
     */
    private <T> T build(String section, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            String base = section.isEmpty() ? ROOT : section.startsWith(ROOT + ".") ? section : ROOT + "." + section;
            int colon = message.indexOf(": ");
            if (colon > 0 && message.substring(0, colon).matches("[a-z0-9-]+")) {
                String field = base + "." + message.substring(0, colon);
                if (merged.hasPathOrNull(field)) {
                    throw fail(field, message.substring(colon + 2));
                }
            }
            throw new ConfigException(where(base), (section.isEmpty() ? "" : display(base) + ": ") + message);
        }
    }

    private ConfigException fail(String path, String problem) {
        return new ConfigException(where(path), display(path) + ": " + problem);
    }

    private String where(String path) {
        Config source = merged.hasPathOrNull(path) ? merged : reference;
        if (!source.hasPathOrNull(path)) {
            return "reference.conf";
        }
        return where(source.getValue(path).origin());
    }

    static String where(ConfigOrigin origin) {
        String description = origin.description();
        if (origin.filename() == null && description.startsWith("merge of ")) {
            String first = description.substring("merge of ".length()).split(",", 2)[0];
            return first.replaceFirst(": (\\d+)$", ":$1");
        }
        String name = origin.filename() != null ? origin.filename()
                : origin.resource() != null ? origin.resource()
                : origin.description();
        return origin.lineNumber() > 0 ? name + ":" + origin.lineNumber() : name;
    }

    /** The key as shown to people: without the {@code pmult.} prefix and without quotes. */
    private static String display(String path) {
        List<String> keys = ConfigUtil.splitPath(path);
        List<String> shown = keys.size() > 1 && keys.get(0).equals(ROOT) ? keys.subList(1, keys.size()) : keys;
        return String.join(".", shown);
    }

    private static ConfigException translate(com.typesafe.config.ConfigException e, String file) {
        if (e.origin() != null) {
            String message = e.getMessage();
            String prefix = e.origin().description() + ": ";
            return new ConfigException(where(e.origin()), message.startsWith(prefix) ? message.substring(prefix.length()) : message, e);
        }
        return new ConfigException(file, e.getMessage(), e);
    }

    /** Rejects keys under {@code pmult} that reference.conf does not know, suggesting the closest. */
    static void checkKnownKeys(Config user, Config reference) {
        Set<String> topLevel = reference.getObject(ROOT).keySet();
        for (String root : user.root().keySet()) {
            if (!root.equals(ROOT) && topLevel.contains(root)) {
                throw new ConfigException(where(user.root().get(root).origin()),
                        "key \"" + root + "\" belongs under pmult (write pmult." + root + ")");
            }
        }
        if (!user.hasPath(ROOT)) {
            return;
        }
        ConfigValue pmult = user.getValue(ROOT);
        if (pmult.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigException(where(pmult.origin()), "pmult: expected an object { ... }");
        }
        for (Map.Entry<String, ConfigValue> entry : user.getConfig(ROOT).entrySet()) {
            List<String> keys = ConfigUtil.splitPath(entry.getKey());
            String unknown = unknownKey(keys, reference);
            if (unknown != null) {
                throw new ConfigException(where(entry.getValue().origin()), unknown);
            }
        }
    }

    /** Null if {@code keys} (below pmult) is a known key, else the error text. */
    private static String unknownKey(List<String> keys, Config reference) {
        String first = keys.get(0);
        if (first.equals("clients")) {
            if (keys.size() < 3) {
                return "clients." + String.join(".", keys.subList(1, keys.size())) + ": expected an object { url = ..., ... }";
            }
            return unknownClientKey(keys.subList(2, keys.size()), "clients." + keys.get(1) + ".", reference);
        }
        if (first.equals("client-defaults")) {
            return unknownClientKey(keys.subList(1, keys.size()), "client-defaults.", reference);
        }
        if (keys.size() == 3 && first.equals("macros")
                && (keys.get(1).equals("sendmail-names") || keys.get(1).equals("defaults"))) {
            return null;
        }
        return knownIn(reference.getConfig(ROOT), keys, "");
    }

    private static String unknownClientKey(List<String> keys, String shownPrefix, Config reference) {
        if (keys.size() == 2 && keys.get(0).equals("v2-macros")) {
            return MacroStage.fromConfigName(keys.get(1)).isPresent() ? null
                    : "unknown stage \"" + shownPrefix + "v2-macros." + keys.get(1) + "\" (expected: connect, helo, mail, rcpt, data, eoh or eom)";
        }
        return knownIn(reference.getConfig(ROOT + ".client-defaults"), keys, shownPrefix);
    }

    private static String knownIn(Config schema, List<String> keys, String shownPrefix) {
        Config level = schema;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            String shown = shownPrefix + String.join(".", keys.subList(0, i + 1));
            if (!level.root().containsKey(key)) {
                return "unknown key \"" + shown + "\"" + suggestion(key, level.root().keySet());
            }
            ConfigValue value = level.root().get(key);
            if (i == keys.size() - 1) {
                return value.valueType() == ConfigValueType.OBJECT && !((ConfigObject) value).isEmpty()
                        ? shown + ": expected an object { ... }" : null;
            }
            if (value.valueType() != ConfigValueType.OBJECT) {
                return "unknown key \"" + shownPrefix + String.join(".", keys) + "\" (" + shown + " is not an object)";
            }
            level = ((ConfigObject) value).toConfig();
        }
        return null;
    }

    static String suggestion(String key, Set<String> candidates) {
        return Suggestions.closest(key, candidates).map(best -> " (did you mean \"" + best + "\"?)").orElse("");
    }
}
