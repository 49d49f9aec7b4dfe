package org.pmult.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import org.pmult.server.config.ConfigSettings.ListenSetting;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Typesafe Config (a HOCON/JSON/properties file over {@code reference.conf}) into
 * {@link ConfigSettings}, each value located by its origin; {@link PmultConfigBuilder} checks and
 * assembles them. Keys under {@code pmult} that {@code reference.conf} does not define are errors
 * ({@link HoconKnownKeys}). Every error names the file, the line and the key
 * ({@code pmult.hocon:12: clients.mfd.timeouts.read: bad duration "10 parsecs" (...)}).
 */
final class HoconConfigReader {

    private static final String ROOT = "pmult";
    private static final String CLIENT_DEFAULTS = ROOT + ".client-defaults";
    private static final Set<String> LISTEN_OBJECT_KEYS = Set.of("url", "mode", "owner", "group");

    private final Config merged;
    private final ConfigSettings settings;

    private HoconConfigReader(Config merged, ConfigSettings settings) {
        this.merged = merged;
        this.settings = settings;
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
        HoconKnownKeys.check(user, reference());
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
                ConfigValueFactory.fromAnyRef(url, "mailfromd's default socket"));
        return bind(client, Optional.empty(), ConfigFormat.BUILTIN);
    }

    /** Checks {@code user}'s keys against the reference, merges, reads and builds it. */
    static LoadedConfig bind(Config user, Optional<Path> source, ConfigFormat format) {
        Config reference = reference();
        HoconKnownKeys.check(user, reference);
        String file = source.map(Path::toString).orElse("reference.conf");
        Config merged;
        try {
            merged = user.withFallback(reference).resolve();
        } catch (com.typesafe.config.ConfigException e) {
            throw translate(e, file);
        }
        ConfigLocation at = ConfigLocation.of(file);
        ConfigSettings settings = new ConfigSettings(at, new Located<>("client-defaults", at, "client-defaults"));
        new HoconConfigReader(merged, settings).read();
        return PmultConfigBuilder.build(settings, source, format);
    }

    private void read() {
        settings.listen = Optional.of(listen());
        settings.socketMode = Optional.of(mode(ROOT + ".unix-socket.mode", merged.getValue(ROOT + ".unix-socket.mode")));
        settings.socketOwner = Optional.of(string(ROOT + ".unix-socket.owner"));
        settings.socketGroup = Optional.of(string(ROOT + ".unix-socket.group"));
        settings.pidfile = Optional.of(string(ROOT + ".pidfile"));
        settings.debug = Optional.of(string(ROOT + ".debug"));
        settings.metricsAddress = Optional.of(string(ROOT + ".metrics.address"));
        settings.maxConnections = Optional.of(integer(ROOT + ".limits.max-connections"));
        settings.maxSessionsPerConnection = Optional.of(integer(ROOT + ".limits.max-sessions-per-connection"));
        settings.advertisedMaxSessions = Optional.of(integer(ROOT + ".limits.advertised-max-sessions"));
        settings.maxFrameLength = Optional.of(bytes(ROOT + ".limits.max-frame-length"));
        settings.idleTimeout = Optional.of(duration(ROOT + ".limits.idle-timeout"));
        settings.shutdownGrace = Optional.of(duration(ROOT + ".shutdown-grace"));
        settings.reconnectInitial = Optional.of(duration(ROOT + ".reconnect.initial"));
        settings.reconnectMax = Optional.of(duration(ROOT + ".reconnect.max"));
        settings.eventLoopThreads = Optional.of(integer(ROOT + ".event-loops.threads"));
        settings.eventLoopSpin = Optional.of(duration(ROOT + ".event-loops.spin"));
        stageLists(ROOT + ".macros.define").forEach((stage, names) -> settings.requestedMacros.put(stage,
                names.value().stream().map(name -> new Located<>(name, names.location(), names.setting())).toList()));
        settings.sendmailNames.addAll(entries(ROOT + ".macros.sendmail-names"));
        settings.macroDefaults.addAll(entries(ROOT + ".macros.defaults"));
        settings.v2Defaults.putAll(stageLists(ROOT + ".macros.v2-defaults"));
        client(CLIENT_DEFAULTS, settings.clientDefaults);
        for (String name : clientNames()) {
            String prefix = ROOT + ".clients." + ConfigUtil.quoteString(name);
            ClientSettings client = new ClientSettings(new Located<>(name, location(merged.getValue(prefix).origin()),
                    "clients." + name));
            client(prefix, client);
            settings.clients.add(client);
        }
    }

    private Located<List<ListenSetting>> listen() {
        String path = ROOT + ".listen";
        if (merged.getIsNull(path) || merged.getValue(path).valueType() != ConfigValueType.LIST) {
            throw fail(path, "expected a list of addresses, e.g. [\"inet://127.0.0.1:3333\"]");
        }
        ConfigList list = merged.getList(path);
        List<ListenSetting> listen = new ArrayList<>();
        for (ConfigValue element : list) {
            ConfigLocation at = location(element.origin());
            if (element.valueType() == ConfigValueType.STRING) {
                listen.add(ListenSetting.of(new Located<>((String) element.unwrapped(), at, "listen")));
            } else if (element.valueType() == ConfigValueType.OBJECT) {
                listen.add(listenObject(at, (ConfigObject) element));
            } else {
                throw new ConfigException(at.toString(), "listen: " + element.valueType().name().toLowerCase()
                        + " element (expected: an address string or { url = ..., mode = ..., owner = ..., group = ... })");
            }
        }
        return new Located<>(listen, location(list.origin()), "listen");
    }

    private ListenSetting listenObject(ConfigLocation at, ConfigObject object) {
        for (String key : object.keySet()) {
            if (!LISTEN_OBJECT_KEYS.contains(key)) {
                throw new ConfigException(location(object.get(key).origin()).toString(), "listen: unknown key \"" + key + "\""
                        + HoconKnownKeys.suggestion(key, LISTEN_OBJECT_KEYS) + " (expected: url, mode, owner or group)");
            }
        }
        ConfigValue url = object.get("url");
        if (url == null || url.valueType() != ConfigValueType.STRING) {
            throw new ConfigException(at.toString(), "listen: object without url string");
        }
        return new ListenSetting(new Located<>((String) url.unwrapped(), location(url.origin()), "listen.url"),
                Optional.ofNullable(object.get("mode")).map(mode -> mode("listen.mode", mode)),
                Optional.ofNullable(object.get("owner")).map(owner -> text(owner, "listen.owner")),
                Optional.ofNullable(object.get("group")).map(group -> text(group, "listen.group")));
    }

    /** The clients' names in the order they are consulted: client-order, or else as written. */
    private List<String> clientNames() {
        ConfigObject object = merged.getObject(ROOT + ".clients");
        List<String> names = new ArrayList<>(object.keySet());
        Located<List<String>> order = strings(ROOT + ".client-order");
        if (order.value().isEmpty()) {
            names.sort(Comparator.comparingInt((String name) -> object.get(name).origin().lineNumber()).thenComparing(name -> name));
            Set<String> files = new HashSet<>();
            names.forEach(name -> files.add(String.valueOf(object.get(name).origin().filename())));
            if (files.size() > 1) {
                settings.notes.add(ConfigNote.warning(settings.source + ": clients are defined in several files and are"
                        + " consulted by line number; set client-order to make the order explicit"));
            }
            return names;
        }
        if (!new HashSet<>(order.value()).equals(new HashSet<>(names)) || order.value().size() != names.size()) {
            throw order.error(order.value() + " (expected: each of " + names + " exactly once)");
        }
        return order.value();
    }

    /** The keys a client (or client-defaults) sets itself; the others it inherits. */
    private void client(String prefix, ClientSettings client) {
        String urlPath = prefix + ".url";
        if (merged.hasPathOrNull(urlPath)) {
            client.urls = Optional.of(!merged.getIsNull(urlPath) && merged.getValue(urlPath).valueType() == ConfigValueType.LIST
                    ? strings(urlPath).value().stream().map(url -> located(urlPath, url)).toList()
                    : List.of(string(urlPath)));
        }
        client.type = optional(prefix, "type", this::string);
        client.balance = optional(prefix, "balance", this::string);
        client.connectTimeout = optional(prefix, "timeouts.connect", this::duration);
        client.readTimeout = optional(prefix, "timeouts.read", this::duration);
        client.writeTimeout = optional(prefix, "timeouts.write", this::duration);
        client.eomTimeout = optional(prefix, "timeouts.eom", this::duration);
        client.defaultAction = optional(prefix, "default-action", this::string);
        client.spareConnections = optional(prefix, "connections.spare", this::integer);
        client.reuseConnections = optional(prefix, "connections.reuse", this::bool);
        client.maxIdleConnections = optional(prefix, "connections.max-idle", this::integer);
        client.idleConnectionTimeout = optional(prefix, "connections.idle-timeout", this::duration);
        client.maxPendingConnects = optional(prefix, "connections.max-pending-connects", this::integer);
        client.logLevel = optional(prefix, "log-level", this::string);
        client.evaluationMode = optional(prefix, "evaluation-mode", this::bool);
        client.quarantineAction = optional(prefix, "quarantine-action", this::string);
        client.condition = optional(prefix, "condition", this::string);
        if (merged.hasPath(prefix + ".v2-macros")) {
            client.v2Macros.putAll(stageLists(prefix + ".v2-macros"));
        }
    }

    private <T> Optional<Located<T>> optional(String prefix, String key, java.util.function.Function<String, Located<T>> reader) {
        String path = prefix + "." + key;
        return merged.hasPathOrNull(path) ? Optional.of(reader.apply(path)) : Optional.empty();
    }

    /** A stage-to-names object; each stage must be one pmult knows. */
    private Map<MacroStage, Located<List<String>>> stageLists(String path) {
        Map<MacroStage, Located<List<String>>> lists = new EnumMap<>(MacroStage.class);
        for (String key : object(path).keySet()) {
            String keyPath = path + "." + ConfigUtil.quoteString(key);
            MacroStage stage = MacroStage.fromConfigName(key).orElseThrow(() -> fail(keyPath,
                    "unknown stage (expected: connect, helo, mail, rcpt, data, eoh or eom)"));
            lists.put(stage, strings(keyPath));
        }
        return lists;
    }

    /** A name-to-value object's entries, in the order written. */
    private List<Located<Map.Entry<String, String>>> entries(String path) {
        List<Located<Map.Entry<String, String>>> entries = new ArrayList<>();
        for (String key : object(path).keySet()) {
            String keyPath = path + "." + ConfigUtil.quoteString(key);
            entries.add(located(keyPath, Map.entry(key, string(keyPath).value())));
        }
        return entries;
    }

    // ---- values, each located at its origin and named by its key ----

    private <T> Located<T> located(String path, T value) {
        return new Located<>(value, location(merged.getValue(path).origin()), display(path));
    }

    private ConfigObject object(String path) {
        if (merged.getIsNull(path) || merged.getValue(path).valueType() != ConfigValueType.OBJECT) {
            throw fail(path, "expected an object { ... }");
        }
        return merged.getObject(path);
    }

    private Located<String> mode(String path, ConfigValue value) {
        Object raw = value.unwrapped();
        if (!(raw instanceof Number || raw instanceof String)) {
            throw new ConfigException(location(value.origin()).toString(), display(path) + ": bad mode " + value.render()
                    + " (expected: octal permission bits such as \"0660\")");
        }
        return new Located<>(String.valueOf(raw), location(value.origin()), display(path));
    }

    private static Located<String> text(ConfigValue value, String setting) {
        return new Located<>(String.valueOf(value.unwrapped()), location(value.origin()), setting);
    }

    /** A string (numbers and booleans as written); null is "". */
    private Located<String> string(String path) {
        if (merged.getIsNull(path)) {
            return new Located<>("", location(merged.getValue(path).origin()), display(path));
        }
        ConfigValueType type = merged.getValue(path).valueType();
        if (type == ConfigValueType.LIST || type == ConfigValueType.OBJECT) {
            throw fail(path, merged.getValue(path).render() + " (expected: a string)");
        }
        return located(path, merged.getString(path).strip());
    }

    private Located<List<String>> strings(String path) {
        try {
            return located(path, merged.getStringList(path));
        } catch (com.typesafe.config.ConfigException e) {
            throw fail(path, merged.getIsNull(path) ? "null" : merged.getValue(path).render()
                    + " (expected: a list of strings, e.g. [a, \"b\"])");
        }
    }

    private Located<Integer> integer(String path) {
        try {
            return located(path, merged.getInt(path));
        } catch (com.typesafe.config.ConfigException e) {
            throw fail(path, render(path) + " (expected: a whole number)");
        }
    }

    private Located<Boolean> bool(String path) {
        ConfigValue value = merged.getValue(path);
        if (value.valueType() != ConfigValueType.BOOLEAN
                && !(value.unwrapped() instanceof String text && text.matches("(?i)true|false|yes|no|on|off"))) {
            throw fail(path, value.render() + " (expected: true or false)");
        }
        return located(path, merged.getBoolean(path));
    }

    private Located<Integer> bytes(String path) {
        long bytes;
        try {
            bytes = merged.getBytes(path);
        } catch (com.typesafe.config.ConfigException e) {
            throw fail(path, "bad size " + render(path) + " (expected: bytes, e.g. 1048576, 1024KiB or 1MiB)");
        }
        if (bytes > Integer.MAX_VALUE) {
            throw fail(path, bytes + " bytes (expected: <= " + Limits.MAX_FRAME_LENGTH + ")");
        }
        return located(path, (int) bytes);
    }

    /** HOCON durations ({@code 10s}, {@code 5 minutes}) and mailfromd intervals; a bare number other than 0 is refused. */
    private Located<Duration> duration(String path) {
        ConfigValue value = merged.getValue(path);
        if (value.valueType() == ConfigValueType.NUMBER) {
            if (((Number) value.unwrapped()).doubleValue() == 0) {
                return located(path, Duration.ZERO);
            }
            throw fail(path, "bad duration " + value.render() + " (expected: a unit, e.g. " + value.render()
                    + "s or " + value.render() + " seconds; a bare number would be milliseconds in HOCON)");
        }
        if (value.valueType() != ConfigValueType.STRING) {
            throw fail(path, "bad duration " + value.render() + " (expected: e.g. 10s or 5 minutes)");
        }
        String text = (String) value.unwrapped();
        try {
            return located(path, merged.getDuration(path));
        } catch (com.typesafe.config.ConfigException.BadValue hoconStyle) {
            try {
                return located(path, Intervals.parse(text));
            } catch (IllegalArgumentException mailfromdStyle) {
                throw fail(path, "bad duration \"" + text + "\" (expected: e.g. 10s, 5 minutes or \"1 hour 30 minutes\")");
            }
        }
    }

    private String render(String path) {
        return merged.getIsNull(path) ? "null" : merged.getValue(path).render();
    }

    private ConfigException fail(String path, String problem) {
        return new ConfigException(location(merged.getValue(path).origin()).toString(), display(path) + ": " + problem);
    }

    /** Where a value stands: file (or resource) and line. */
    static ConfigLocation location(ConfigOrigin origin) {
        // the built-in reference.conf by its resource name, wherever the class path has it
        String name = origin.resource() != null ? origin.resource()
                : origin.filename() != null ? origin.filename()
                : origin.description();
        return new ConfigLocation(name, Math.max(origin.lineNumber(), 0));
    }

    /** The key as shown to people: without the {@code pmult.} prefix and without quotes. */
    private static String display(String path) {
        List<String> keys = ConfigUtil.splitPath(path);
        List<String> shown = keys.size() > 1 && keys.get(0).equals(ROOT) ? keys.subList(1, keys.size()) : keys;
        return String.join(".", shown);
    }

    /** A Typesafe parse or resolve error, at the origin it names. */
    private static ConfigException translate(com.typesafe.config.ConfigException e, String file) {
        if (e.origin() != null) {
            String message = e.getMessage();
            String prefix = e.origin().description() + ": ";
            return new ConfigException(location(e.origin()).toString(),
                    message.startsWith(prefix) ? message.substring(prefix.length()) : message, e);
        }
        return new ConfigException(file, e.getMessage(), e);
    }
}
