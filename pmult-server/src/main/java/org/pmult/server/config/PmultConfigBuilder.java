package org.pmult.server.config;

import org.pmult.server.config.ConfigSettings.ListenSetting;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place where pmult's configuration is checked and assembled: takes the
 * {@link ConfigSettings} either syntax read, converts what is the same in both (socket addresses,
 * macro names, choices), fills in the built-in defaults, and builds the validated records. Every
 * error names the file, line and setting it concerns.
 */
final class PmultConfigBuilder {

    /** Where pmult listens when the file has no listen setting. */
    static final SocketEndpoint DEFAULT_LISTEN = SocketEndpoint.parse("inet://127.0.0.1:3333");

    private final ConfigSettings settings;
    private final List<ConfigNote> notes = new ArrayList<>();

    private PmultConfigBuilder(ConfigSettings settings) {
        this.settings = settings;
    }

    /**
     * Builds the configuration {@code settings} describe.
     *
     * @throws ConfigException naming file, line and setting
     */
    static LoadedConfig build(ConfigSettings settings, Optional<Path> source, ConfigFormat format) {
        PmultConfigBuilder builder = new PmultConfigBuilder(settings);
        builder.notes.addAll(settings.notes);
        PmultConfig config = builder.config();
        builder.notes.addAll(ConfigLoader.standardNotes(config));
        return new LoadedConfig(config, source, format, builder.notes);
    }

    private PmultConfig config() {
        List<ListenConfig> listen = listen(unixSocket());
        MacroConfig macros = macros();
        List<ClientConfig> clients = clients(macros.v2Defaults());
        Optional<Path> pidfile = settings.pidfile.filter(file -> !file.value().isBlank())
                .map(file -> file.convert(text -> filePath(text.strip())));
        DebugSpec debug = settings.debug.map(this::debug).orElse(DebugSpec.DEFAULT);
        Optional<SocketEndpoint.Inet> metrics = settings.metricsAddress.filter(address -> !address.value().isBlank())
                .map(address -> address.convert(text -> SocketEndpoint.parseHostPort(text.strip(), "127.0.0.1")));
        FieldSources fields = new FieldSources(settings.source, "");
        settings.listen.ifPresent(given -> fields.remember("listen", given));
        Duration grace = fields.take("shutdown-grace", settings.shutdownGrace, PmultConfig.DEFAULT_SHUTDOWN_GRACE);
        Limits limits = limits();
        Backoff reconnect = reconnect();
        EventLoops eventLoops = eventLoops();
        return fields.build(() -> new PmultConfig(listen, clients, macros, pidfile, debug, metrics, limits, grace, reconnect,
                eventLoops));
    }

    private UnixSocketOptions unixSocket() {
        FieldSources fields = new FieldSources(settings.source, "unix-socket");
        UnixSocketOptions defaults = UnixSocketOptions.DEFAULTS;
        int mode = fields.take("mode", settings.socketMode.map(PmultConfigBuilder::mode), defaults.mode());
        Optional<String> owner = fields.take("owner", settings.socketOwner.map(PmultConfigBuilder::nonEmpty), defaults.owner());
        Optional<String> group = fields.take("group", settings.socketGroup.map(PmultConfigBuilder::nonEmpty), defaults.group());
        return fields.build(() -> new UnixSocketOptions(mode, owner, group));
    }

    private List<ListenConfig> listen(UnixSocketOptions unix) {
        if (settings.listen.isEmpty()) {
            notes.add(ConfigNote.info(settings.source + ": no listen statement; listening on the default " + DEFAULT_LISTEN));
            return List.of(new ListenConfig(DEFAULT_LISTEN, unix));
        }
        List<ListenConfig> listen = new ArrayList<>();
        List<ListenSetting> given = settings.listen.get().value();
        for (int i = 0; i < given.size(); i++) {
            Located<String> url = given.get(i).url();
            SocketEndpoint endpoint = url.convert(text -> SocketEndpoint.parse(text.strip()));
            for (int j = 0; j < i; j++) {
                if (listen.get(j).endpoint().sameSocket(endpoint)) {
                    throw url.error(endpoint + alreadyGiven(url, given.get(j).url()));
                }
            }
            listen.add(new ListenConfig(endpoint, listenOptions(given.get(i), unix)));
        }
        return listen;
    }

    /** A listen socket's own unix socket options, each falling back to the unix-socket settings. */
    private static UnixSocketOptions listenOptions(ListenSetting listen, UnixSocketOptions unix) {
        FieldSources fields = new FieldSources(listen.url().location(), listen.url().setting());
        int mode = fields.take("mode", listen.mode().map(PmultConfigBuilder::mode), unix.mode());
        Optional<String> owner = fields.take("owner", listen.owner().map(PmultConfigBuilder::nonEmpty), unix.owner());
        Optional<String> group = fields.take("group", listen.group().map(PmultConfigBuilder::nonEmpty), unix.group());
        return fields.build(() -> new UnixSocketOptions(mode, owner, group));
    }

    private DebugSpec debug(Located<String> given) {
        DebugSpec spec = given.convert(DebugSpec::parse);
        spec.notes().forEach(note -> notes.add(ConfigNote.info(given.location() + ": " + note)));
        return spec;
    }

    private MacroConfig macros() {
        Map<MacroStage, List<String>> requested = new EnumMap<>(MacroStage.class);
        settings.requestedMacros.forEach((stage, names) -> requested.put(stage,
                List.copyOf(new LinkedHashSet<>(names.stream().map(name -> name.convert(MacroNames::meta1)).toList()))));
        Map<String, String> sendmailNames = new LinkedHashMap<>();
        for (Located<Map.Entry<String, String>> entry : settings.sendmailNames) {
            sendmailNames.put(entry.convert(names -> MacroNames.meta1(names.getKey())),
                    entry.convert(names -> MacroNames.sendmail(names.getValue())));
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Located<Map.Entry<String, String>> entry : settings.macroDefaults) {
            defaults.put(entry.convert(value -> MacroNames.sendmail(value.getKey())), entry.value().getValue());
        }
        Map<MacroStage, List<String>> v2Defaults = new EnumMap<>(MacroConfig.DEFAULT_V2);
        settings.v2Defaults.forEach((stage, names) -> v2Defaults.put(stage, sendmailNames(names)));
        return new FieldSources(settings.source, "").build(() -> new MacroConfig(requested, sendmailNames, v2Defaults, defaults));
    }

    private List<ClientConfig> clients(Map<MacroStage, List<String>> v2Defaults) {
        List<ClientConfig> clients = new ArrayList<>();
        Map<String, ConfigLocation> seen = new HashMap<>();
        for (ClientSettings client : settings.clients) {
            ConfigLocation previous = seen.putIfAbsent(client.name.value(), client.name.location());
            if (previous != null) {
                throw new ConfigException(client.name.location().toString(), client.name.setting()
                        + " is already defined at line " + previous.line());
            }
            clients.add(ClientConfigBuilder.build(client, settings.clientDefaults, v2Defaults));
        }
        return clients;
    }

    private Limits limits() {
        FieldSources fields = new FieldSources(settings.source, "limits");
        Limits defaults = Limits.DEFAULTS;
        int maxConnections = fields.take("max-connections", settings.maxConnections, defaults.maxConnections());
        int maxSessions = fields.take("max-sessions-per-connection", settings.maxSessionsPerConnection,
                defaults.maxSessionsPerConnection());
        // unset, it follows max-sessions-per-connection when that is set
        int advertised = fields.take("advertised-max-sessions", settings.advertisedMaxSessions,
                settings.maxSessionsPerConnection.isPresent() ? 0 : defaults.advertisedMaxSessions());
        int maxFrameLength = fields.take("max-frame-length", settings.maxFrameLength, defaults.maxFrameLength());
        Duration idleTimeout = fields.take("idle-timeout", settings.idleTimeout, defaults.idleTimeout());
        return fields.build(() -> new Limits(maxConnections, maxSessions, advertised, maxFrameLength, idleTimeout));
    }

    private Backoff reconnect() {
        FieldSources fields = new FieldSources(settings.source, "reconnect");
        Duration initial = fields.take("initial", settings.reconnectInitial, Backoff.DEFAULTS.initial());
        Duration max = fields.take("max", settings.reconnectMax, Backoff.DEFAULTS.max());
        return fields.build(() -> new Backoff(initial, max));
    }

    private EventLoops eventLoops() {
        FieldSources fields = new FieldSources(settings.source, "event-loops");
        int threads = fields.take("threads", settings.eventLoopThreads, EventLoops.DEFAULTS.threads());
        Duration spin = fields.take("spin", settings.eventLoopSpin, EventLoops.DEFAULTS.spin());
        return fields.build(() -> new EventLoops(threads, spin));
    }

    // ---- conversions shared by both syntaxes ----

    /** Macro names in canonical Sendmail form, an error at {@code names} if one is not a macro name. */
    static List<String> sendmailNames(Located<List<String>> names) {
        return names.convert(list -> list.stream().map(MacroNames::sendmail).toList());
    }

    /** " is already given at line N" (or " is given twice" when both stand on one line). */
    static String alreadyGiven(Located<?> again, Located<?> first) {
        return first.location().equals(again.location()) ? " is given twice"
                : " is already given at line " + first.location().line();
    }

    /**
     * A file name from a configuration file.
     *
     * @throws IllegalArgumentException for a name the system cannot have (a NUL byte)
     */
    static Path filePath(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("bad file name \"" + text.replace("\0", "\\0") + "\" (" + e.getReason() + ")");
        }
    }

    private static Located<Integer> mode(Located<String> text) {
        return text.map(UnixSocketOptions::parseMode);
    }

    private static Located<Optional<String>> nonEmpty(Located<String> text) {
        return text.map(value -> value.isBlank() ? Optional.empty() : Optional.of(value.strip()));
    }
}
