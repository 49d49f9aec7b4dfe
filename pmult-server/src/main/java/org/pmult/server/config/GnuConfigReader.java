package org.pmult.server.config;

import org.pmult.server.config.ConfStatement.Location;
import org.pmult.server.config.ConfStatement.Value;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads GNU pmult's configuration ({@code pmult.conf}, or the {@code program pmult} block of a
 * shared {@code mailfromd.conf}) into a {@link PmultConfig}, starting from the built-in defaults.
 * Accepts every statement GNU pmult documents (library-only knobs with a note), plus pmult's own
 * extensions. Every error names file and line and refuses the whole file.
 */
final class GnuConfigReader {

    /** Deepest include nesting accepted (include loops are caught separately). */
    static final int MAX_INCLUDE_DEPTH = 16;

    private static final Set<String> TOP_LEVEL = Set.of("listen", "pidfile", "debug", "max-threads-soft",
            "max-threads-hard", "max-pmilter-fd", "pmilter-debug", "define-macros", "client", "logging", "include",
            "program", "unix-socket", "metrics", "limits", "shutdown-grace", "reconnect", "macro-name", "macro-default", "v2-macros",
            "client-defaults", "event-loops");
    private static final Set<String> CLIENT = Set.of("type", "url", "connect-timeout", "read-timeout", "write-timeout",
            "eom-timeout", "log-level", "default-action", "v2-macros", "spare-connections", "reuse-connections",
            "max-idle-connections", "idle-connection-timeout", "evaluation-mode", "balance", "quarantine-action", "max-pending-connects");

    private final List<ConfigNote> notes = new ArrayList<>();
    /** Where each setting was made, by its HOCON-style key, to place errors raised by record constructors. */
    private final Map<String, Location> settingLocations = new HashMap<>();
    private final PmultConfig defaults;

    private final List<ConfStatement> listenStatements = new ArrayList<>();
    private final List<SocketEndpoint> listen = new ArrayList<>();
    private int socketMode;
    private Optional<String> socketOwner;
    private Optional<String> socketGroup;
    private Optional<Path> pidfile;
    private DebugSpec debug;
    private Optional<SocketEndpoint.Inet> metricsAddress;
    private final Map<String, Object> limits = new LinkedHashMap<>();
    private Duration shutdownGrace;
    private Duration reconnectInitial;
    private int eventLoopThreads;
    private Duration eventLoopSpin = Duration.ZERO;
    private Duration reconnectMax;
    private final Map<MacroStage, LinkedHashSet<String>> requested = new EnumMap<>(MacroStage.class);
    private final Map<String, String> sendmailNames = new LinkedHashMap<>();
    private final Map<String, String> macroDefaults = new LinkedHashMap<>();
    private final Map<MacroStage, List<String>> v2Defaults;
    private final List<ConfStatement> clientStatements = new ArrayList<>();
    private final List<ConfStatement> clientDefaults = new ArrayList<>();

    private GnuConfigReader(PmultConfig defaults) {
        this.defaults = defaults;
        UnixSocketOptions unix = defaults.listen().get(0).unixSocket();
        socketMode = unix.mode();
        socketOwner = unix.owner();
        socketGroup = unix.group();
        pidfile = defaults.pidfile();
        debug = defaults.debug();
        metricsAddress = defaults.metricsAddress();
        shutdownGrace = defaults.shutdownGrace();
        reconnectInitial = defaults.reconnect().initial();
        reconnectMax = defaults.reconnect().max();
        v2Defaults = new EnumMap<>(defaults.macros().v2Defaults());
        defaults.macros().requested().forEach((stage, names) -> requested.put(stage, new LinkedHashSet<>(names)));
        sendmailNames.putAll(defaults.macros().sendmailNames());
        macroDefaults.putAll(defaults.macros().defaults());
    }

    static LoadedConfig read(Path file) {
        GnuConfigReader reader = new GnuConfigReader(ConfigLoader.builtinDefaults());
        List<ConfStatement> statements = reader.expandFile(file, new ArrayDeque<>(), null);
        PmultConfig config = reader.interpret(statements, file.toString());
        List<ConfigNote> notes = new ArrayList<>(reader.notes);
        notes.addAll(ConfigLoader.standardNotes(config));
        return new LoadedConfig(config, Optional.of(file), ConfigFormat.GNU_PMULT, notes);
    }

    // ---- include expansion ----

    private List<ConfStatement> expandFile(Path file, Deque<Path> including, Location includedFrom) {
        String where = includedFrom == null ? file.toString() : includedFrom.toString();
        if (including.size() >= MAX_INCLUDE_DEPTH) {
            throw new ConfigException(where, "include: nested deeper than " + MAX_INCLUDE_DEPTH + " files (" + file + ")");
        }
        Path real;
        String text;
        try {
            real = file.toRealPath();
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw notUtf8(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(where, (includedFrom == null ? "" : "include: ") + "no such file \"" + file + "\"");
        } catch (IOException e) {
            throw new ConfigException(where, (includedFrom == null ? "" : "include: ") + "cannot read \"" + file + "\": " + e.getMessage());
        }
        if (including.contains(real)) {
            throw new ConfigException(where, "include: \"" + file + "\" includes itself (loop through " + including.peek() + ")");
        }
        including.push(real);
        List<ConfStatement> expanded = expand(MailutilsConfParser.parse(text, file.toString(), notes), file, including);
        including.pop();
        return expanded;
    }

    private List<ConfStatement> expand(List<ConfStatement> statements, Path file, Deque<Path> including) {
        List<ConfStatement> out = new ArrayList<>();
        for (ConfStatement statement : statements) {
            if (statement.keyword().equals("include")) {
                noBlock(statement);
                Path target = path(statement, scalar(statement));
                if (!target.isAbsolute() && file.getParent() != null) {
                    target = file.getParent().resolve(target);
                }
                if (Files.isDirectory(target)) {
                    Path programFile = target.resolve("pmult");
                    if (!Files.exists(programFile)) {
                        notes.add(ConfigNote.info(statement.location() + ": include: directory " + target
                                + " has no file named pmult; nothing included"));
                        continue;
                    }
                    target = programFile;
                }
                out.addAll(expandFile(target, including, statement.location()));
            } else if (statement.block().isPresent()) {
                out.add(new ConfStatement(statement.keyword(), statement.values(),
                        Optional.of(expand(statement.block().get(), file, including)), statement.location()));
            } else {
                out.add(statement);
            }
        }
        return out;
    }

    // ---- top level ----

    private PmultConfig interpret(List<ConfStatement> topLevel, String file) {
        List<ConfStatement> programPmult = new ArrayList<>();
        for (ConfStatement statement : topLevel) {
            if (statement.keyword().equals("program") && statement.block().isPresent() && isProgram(statement, "pmult")) {
                programPmult.addAll(statement.block().get());
            }
        }
        List<ConfStatement> scope;
        if (!programPmult.isEmpty()) {
            long skipped = topLevel.stream().filter(statement -> !isProgram(statement, "pmult")).count();
            if (skipped > 0) {
                notes.add(ConfigNote.info(file + ": using the program pmult block; " + skipped
                        + " statement(s) outside it (for mailfromd or other programs) skipped"));
            }
            scope = programPmult;
        } else {
            scope = topLevel;
        }
        for (ConfStatement statement : scope) {
            topLevelStatement(statement);
        }
        return build(file);
    }

    private static boolean isProgram(ConfStatement statement, String name) {
        return statement.keyword().equals("program") && statement.values().size() == 1
                && statement.values().get(0) instanceof Value.Scalar scalar && scalar.text().equals(name);
    }

    private void topLevelStatement(ConfStatement statement) {
        switch (statement.keyword()) {
            case "listen" -> {
                noBlock(statement);
                listen.add(endpoint(statement, scalar(statement)));
                listenStatements.add(statement);
            }
            case "pidfile" -> {
                noBlock(statement);
                pidfile = Optional.of(path(statement, scalar(statement)));
            }
            case "debug" -> debug(statement);
            case "max-threads-soft", "max-threads-hard", "max-pmilter-fd", "pmilter-debug" -> {
                noBlock(statement);
                number(statement, scalar(statement));
                notes.add(ConfigNote.info(statement.location() + ": " + statement.keyword()
                        + " configures GNU pmult's MeTA1 pmilter library; it has no effect here (pmult is event-driven;"
                        + " see limits for its bounds)"));
            }
            case "define-macros" -> defineMacros(statement);
            case "client" -> {
                block(statement);
                clientStatements.add(statement);
            }
            case "client-defaults" -> {
                for (ConfStatement inner : blockOf(statement)) {
                    if (inner.keyword().equals("url")) {
                        throw error(inner, "url belongs in a client block, not in client-defaults");
                    }
                    if (!CLIENT.contains(inner.keyword())) {
                        throw unknown(inner, CLIENT, " in client-defaults");
                    }
                    clientDefaults.add(inner);
                }
            }
            case "logging" -> {
                block(statement);
                notes.add(ConfigNote.info(statement.location() + ": logging block skipped: pmult logs through"
                        + " logback (use debug for levels)"));
            }
            case "program" -> {
                block(statement);
                notes.add(ConfigNote.info(statement.location() + ": program " + statement.values()
                        + " block skipped (it configures another program)"));
            }
            case "unix-socket" -> unixSocket(statement);
            case "metrics" -> metrics(statement);
            case "limits" -> limits(statement);
            case "shutdown-grace" -> {
                noBlock(statement);
                shutdownGrace = interval(statement, "");
                settingLocations.put("shutdown-grace", statement.location());
            }
            case "reconnect" -> reconnect(statement);
            case "event-loops" -> eventLoops(statement);
            case "macro-name" -> {
                noBlock(statement);
                List<String> words = scalars(statement, 2);
                String meta1 = convert(statement, () -> MacroNames.meta1(words.get(0)));
                sendmailNames.put(meta1, convert(statement, () -> MacroNames.sendmail(words.get(1))));
            }
            case "macro-default" -> {
                // Postfix's milter_macro_defaults: the value a macro gets when nothing else gives it one
                noBlock(statement);
                List<String> words = scalars(statement, 2);
                macroDefaults.put(convert(statement, () -> MacroNames.sendmail(words.get(0))), words.get(1));
            }
            case "v2-macros" -> v2Defaults.putAll(v2Macros(statement));
            default -> throw unknown(statement, TOP_LEVEL, "");
        }
    }

    private void debug(ConfStatement statement) {
        if (statement.block().isPresent()) {
            for (ConfStatement inner : statement.block().get()) {
                if (inner.keyword().equals("level")) {
                    noBlock(inner);
                    debug = debugSpec(inner, joined(inner));
                } else {
                    notes.add(ConfigNote.info(inner.location() + ": debug." + inner.keyword() + " skipped (Mailutils"
                            + " debug setting with no counterpart in pmult)"));
                }
            }
            return;
        }
        debug = debugSpec(statement, joined(statement));
    }

    private DebugSpec debugSpec(ConfStatement statement, String text) {
        DebugSpec spec = convert(statement, () -> DebugSpec.parse(text));
        spec.notes().forEach(note -> notes.add(ConfigNote.info(statement.location() + ": " + note)));
        return spec;
    }

    /** {@code define-macros HANDLER (names...);} or {@code define-macros (h1, h2) (names...);}. */
    private void defineMacros(ConfStatement statement) {
        noBlock(statement);
        if (statement.values().size() != 2) {
            throw error(statement, "define-macros takes a handler and a macro list, e.g. define-macros mail (auth_type, auth_authen);"
                    + " (found " + statement.values().size() + " values)");
        }
        List<MacroStage> stages = new ArrayList<>();
        for (String handler : strings(statement, statement.values().get(0))) {
            stages.add(MacroStage.fromPmultHandler(handler).orElseThrow(() -> error(statement, "define-macros: unknown handler \""
                    + handler + "\" (expected: connect, helo, mail/envfrom, rcpt/envrcpt, data/header/body or dot/eom)")));
        }
        List<String> names = new ArrayList<>();
        for (String name : strings(statement, statement.values().get(1))) {
            names.add(convert(statement, () -> MacroNames.meta1(name)));
        }
        for (MacroStage stage : stages) {
            requested.computeIfAbsent(stage, key -> new LinkedHashSet<>()).addAll(names);
        }
    }

    private Map<MacroStage, List<String>> v2Macros(ConfStatement statement) {
        noBlock(statement);
        if (statement.values().size() != 2) {
            throw error(statement, "v2-macros takes a stage and a macro list, e.g. v2-macros connect (j, client_addr);");
        }
        Map<MacroStage, List<String>> sets = new EnumMap<>(MacroStage.class);
        List<String> names = new ArrayList<>();
        for (String name : strings(statement, statement.values().get(1))) {
            names.add(convert(statement, () -> MacroNames.sendmail(name)));
        }
        for (String stageName : strings(statement, statement.values().get(0))) {
            MacroStage stage = MacroStage.fromConfigName(stageName).or(() -> switch (stageName.toLowerCase(Locale.ROOT)) {
                case "envfrom" -> Optional.of(MacroStage.MAIL);
                case "envrcpt" -> Optional.of(MacroStage.RCPT);
                case "dot" -> Optional.of(MacroStage.EOM);
                default -> Optional.empty();
            }).orElseThrow(() -> error(statement, "v2-macros: unknown stage \"" + stageName
                    + "\" (expected: connect, helo, mail, rcpt, data, eoh or eom)"));
            sets.put(stage, names);
        }
        return sets;
    }

    private void unixSocket(ConfStatement statement) {
        for (ConfStatement inner : blockOf(statement)) {
            noBlock(inner);
            switch (inner.keyword()) {
                case "mode" -> socketMode = convert(inner, () -> UnixSocketOptions.parseMode(scalar(inner)));
                case "owner" -> socketOwner = nonEmpty(scalar(inner));
                case "group" -> socketGroup = nonEmpty(scalar(inner));
                default -> throw unknown(inner, Set.of("mode", "owner", "group"), " in unix-socket");
            }
            settingLocations.put("unix-socket." + inner.keyword(), inner.location());
        }
    }

    private void metrics(ConfStatement statement) {
        for (ConfStatement inner : blockOf(statement)) {
            noBlock(inner);
            if (!inner.keyword().equals("address")) {
                throw unknown(inner, Set.of("address"), " in metrics");
            }
            String address = scalar(inner);
            metricsAddress = address.isBlank() ? Optional.empty()
                    : Optional.of(convert(inner, () -> SocketEndpoint.parseHostPort(address, "127.0.0.1")));
        }
    }

    private void limits(ConfStatement statement) {
        for (ConfStatement inner : blockOf(statement)) {
            noBlock(inner);
            Object value = switch (inner.keyword()) {
                case "max-connections", "max-sessions-per-connection", "advertised-max-sessions" -> number(inner, scalar(inner));
                case "max-frame-length" -> size(inner, scalar(inner));
                case "idle-timeout" -> interval(inner, "");
                default -> throw unknown(inner, Set.of("max-connections", "max-sessions-per-connection",
                        "advertised-max-sessions", "max-frame-length", "idle-timeout"), " in limits");
            };
            limits.put(inner.keyword(), value);
            settingLocations.put("limits." + inner.keyword(), inner.location());
        }
    }

    private void eventLoops(ConfStatement statement) {
        for (ConfStatement inner : blockOf(statement)) {
            noBlock(inner);
            switch (inner.keyword()) {
                case "threads" -> eventLoopThreads = (int) Math.min(number(inner, scalar(inner)), Integer.MAX_VALUE);
                case "spin" -> eventLoopSpin = convert(inner, () -> EventLoops.parseSpin(joined(inner)));
                default -> throw unknown(inner, Set.of("threads", "spin"), " in event-loops");
            }
            settingLocations.put("event-loops." + inner.keyword(), inner.location());
        }
    }

    private void reconnect(ConfStatement statement) {
        for (ConfStatement inner : blockOf(statement)) {
            noBlock(inner);
            switch (inner.keyword()) {
                case "initial" -> reconnectInitial = interval(inner, "");
                case "max" -> reconnectMax = interval(inner, "");
                default -> throw unknown(inner, Set.of("initial", "max"), " in reconnect");
            }
            settingLocations.put("reconnect." + inner.keyword(), inner.location());
        }
    }

    // ---- clients ----

    private ClientConfig client(ConfStatement statement, int position) {
        if (statement.values().size() > 1) {
            throw error(statement, "client takes at most one identifier (found " + statement.values() + ")");
        }
        String name = statement.values().isEmpty() ? "client" + position : scalarValue(statement, statement.values().get(0));
        String inClient = " in client \"" + name + "\"";
        Map<SocketEndpoint, Location> urls = new LinkedHashMap<>();
        ClientInstances.Balance balance = ClientInstances.Balance.LEAST_OUTSTANDING;
        Map<String, Duration> timeouts = new HashMap<>();
        Map<String, Location> timeoutLocations = new HashMap<>();
        FailureAction action = FailureAction.TEMPFAIL;
        ClientConnections connectionDefaults = ClientConnections.DEFAULTS;
        long spare = connectionDefaults.spare();
        boolean reuse = connectionDefaults.reuse();
        long maxIdle = connectionDefaults.maxIdle();
        Duration idleTimeout = connectionDefaults.idleTimeout();
        long maxPendingConnects = connectionDefaults.maxPendingConnects();
        Map<String, Location> connectionLocations = new HashMap<>();
        Optional<String> logLevel = Optional.empty();
        boolean evaluate = false;
        QuarantineAction quarantine = QuarantineAction.TEMPFAIL;
        Map<MacroStage, List<String>> v2 = new EnumMap<>(v2Defaults);
        List<ConfStatement> settings = new ArrayList<>(clientDefaults);
        settings.addAll(statement.block().orElseThrow());
        for (ConfStatement inner : settings) {
            if (!inner.keyword().equals("v2-macros")) {
                noBlock(inner);
            }
            String prefix = "client \"" + name + "\": ";
            connectionLocations.put(switch (inner.keyword()) {
                case "spare-connections" -> "spare";
                case "max-idle-connections" -> "max-idle";
                case "idle-connection-timeout" -> "idle-timeout";
                default -> inner.keyword();
            }, inner.location());
            switch (inner.keyword()) {
                case "type" -> {
                    String type = joined(inner);
                    if (!type.toLowerCase(Locale.ROOT).matches("milter(\\s+\\d+)?")) {
                        throw error(inner, prefix + "type \"" + type + "\" is not supported (expected: milter)");
                    }
                }
                case "url" -> {
                    // several url statements: equivalent instances of one milter
                    SocketEndpoint url = endpoint(inner, prefix, scalar(inner));
                    Location first = urls.putIfAbsent(url, inner.location());
                    if (first != null) {
                        throw error(inner, prefix + "url " + url + " is already given at line " + first.line());
                    }
                }
                case "balance" -> {
                    String word = scalar(inner);
                    balance = ClientInstances.Balance.fromConfigName(word).orElseThrow(() -> error(inner, prefix
                            + "balance \"" + word + "\" (expected: " + ClientInstances.Balance.choices() + ")"));
                }
                case "connect-timeout", "read-timeout", "write-timeout", "eom-timeout" -> {
                    String which = inner.keyword().substring(0, inner.keyword().indexOf('-'));
                    timeouts.put(which, interval(inner, prefix));
                    timeoutLocations.put(which, inner.location());
                }
                case "log-level" -> logLevel = nonEmpty(joined(inner));
                case "default-action" -> {
                    String word = scalar(inner);
                    action = FailureAction.fromConfigName(word).orElseThrow(() -> error(inner, prefix + "default-action \""
                            + word + "\" (expected: " + FailureAction.choices() + ")"));
                }
                case "v2-macros" -> v2.putAll(v2Macros(inner));
                case "spare-connections" -> spare = number(inner, scalar(inner));
                case "reuse-connections" -> reuse = yesOrNo(inner, prefix);
                case "max-idle-connections" -> maxIdle = number(inner, scalar(inner));
                case "idle-connection-timeout" -> idleTimeout = interval(inner, prefix);
                case "evaluation-mode" -> evaluate = yesOrNo(inner, prefix);
                case "quarantine-action" -> {
                    String word = scalar(inner);
                    quarantine = QuarantineAction.fromConfigName(word).orElseThrow(() -> error(inner, prefix
                            + "quarantine-action \"" + word + "\" (expected: " + QuarantineAction.choices() + ")"));
                }
                case "max-pending-connects" -> maxPendingConnects = number(inner, scalar(inner));
                default -> throw unknown(inner, CLIENT, inClient);
            }
        }
        if (urls.isEmpty()) {
            throw error(statement, "client \"" + name + "\": missing url statement (e.g. url unix:///run/mailfromd/mailfromd.sock;)");
        }
        ClientConnections connections;
        try {
            connections = new ClientConnections((int) Math.min(spare, Integer.MAX_VALUE), reuse,
                    (int) Math.min(maxIdle, Integer.MAX_VALUE), idleTimeout,
                    (int) Math.min(maxPendingConnects, Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            String field = message.substring(0, message.indexOf(':'));
            String keyword = switch (field) {
                case "spare" -> "spare-connections";
                case "max-idle" -> "max-idle-connections";
                case "max-pending-connects" -> "max-pending-connects";
                default -> "idle-connection-timeout";
            };
            throw new ConfigException(connectionLocations.getOrDefault(field, statement.location()).toString(),
                    "client \"" + name + "\": " + keyword + message.substring(field.length()));
        }
        ClientTimeouts defaultTimeouts = ClientTimeouts.DEFAULTS;
        try {
            ClientTimeouts clientTimeouts = new ClientTimeouts(
                    timeouts.getOrDefault("connect", defaultTimeouts.connect()),
                    timeouts.getOrDefault("read", defaultTimeouts.read()),
                    timeouts.getOrDefault("write", defaultTimeouts.write()),
                    timeouts.getOrDefault("eom", defaultTimeouts.eom()));
            ClientInstances instances = new ClientInstances(List.copyOf(urls.keySet()), balance);
            return new ClientConfig(name, instances.urls().get(0), clientTimeouts, action, connections, logLevel, v2,
                    evaluate, instances, quarantine);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            String field = message.contains(":") ? message.substring(0, message.indexOf(':')) : "";
            Location location = timeoutLocations.getOrDefault(field, statement.location());
            throw new ConfigException(location.toString(), "client \"" + name + "\": "
                    + (timeoutLocations.containsKey(field) ? field + "-timeout" + message.substring(field.length()) : message));
        }
    }

    // ---- assembling ----

    private PmultConfig build(String file) {
        UnixSocketOptions unix = construct(file, "unix-socket", () -> new UnixSocketOptions(socketMode, socketOwner, socketGroup));
        List<ListenConfig> listenConfigs = new ArrayList<>();
        if (listen.isEmpty()) {
            notes.add(ConfigNote.info(file + ": no listen statement; listening on the default "
                    + defaults.listen().get(0).endpoint()));
            defaults.listen().forEach(config -> listenConfigs.add(new ListenConfig(config.endpoint(), unix)));
        } else {
            for (int i = 0; i < listen.size(); i++) {
                for (int j = 0; j < i; j++) {
                    if (listen.get(i).sameSocket(listen.get(j))) {
                        throw error(listenStatements.get(i), "listen: " + listen.get(i) + " is already given at line "
                                + listenStatements.get(j).location().line());
                    }
                }
                listenConfigs.add(new ListenConfig(listen.get(i), unix));
            }
        }
        List<ClientConfig> clients = new ArrayList<>();
        Map<String, Location> clientNames = new HashMap<>();
        for (int i = 0; i < clientStatements.size(); i++) {
            ClientConfig client = client(clientStatements.get(i), i + 1);
            Location previous = clientNames.putIfAbsent(client.name(), clientStatements.get(i).location());
            if (previous != null) {
                throw error(clientStatements.get(i), "client \"" + client.name() + "\" is already defined at line " + previous.line());
            }
            clients.add(client);
        }
        Map<MacroStage, List<String>> requestedLists = new EnumMap<>(MacroStage.class);
        requested.forEach((stage, names) -> requestedLists.put(stage, List.copyOf(names)));
        MacroConfig macros = construct(file, "macros", () -> new MacroConfig(requestedLists, sendmailNames, v2Defaults,
                macroDefaults));
        Limits base = defaults.limits();
        Limits limitsConfig = construct(file, "limits", () -> new Limits(
                intLimit("max-connections", base.maxConnections()),
                intLimit("max-sessions-per-connection", base.maxSessionsPerConnection()),
                limits.containsKey("advertised-max-sessions") ? intLimit("advertised-max-sessions", 0)
                        : limits.containsKey("max-sessions-per-connection") ? 0 : base.advertisedMaxSessions(),
                intLimit("max-frame-length", base.maxFrameLength()),
                (Duration) limits.getOrDefault("idle-timeout", base.idleTimeout())));
        Backoff backoff = construct(file, "reconnect", () -> new Backoff(reconnectInitial, reconnectMax));
        EventLoops loops = construct(file, "event-loops", () -> new EventLoops(eventLoopThreads, eventLoopSpin));
        return construct(file, "", () -> new PmultConfig(listenConfigs, clients, macros, pidfile, debug, metricsAddress,
                limitsConfig, shutdownGrace, backoff, loops));
    }

    private int intLimit(String key, int fallback) {
        Object value = limits.get(key);
        if (value == null) {
            return fallback;
        }
        long number = (Long) value;
        return number > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) number;
    }

    /** Runs a validating record constructor, placing its error at the statement that set the field. */
    private <T> T construct(String file, String section, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            int colon = message.indexOf(": ");
            String field = colon > 0 ? message.substring(0, colon) : "";
            String key = section.isEmpty() ? field : section + "." + field;
            Location location = settingLocations.get(key);
            String shown = section.isEmpty() ? message : section + " " + message;
            throw new ConfigException(location == null ? file : location.toString(), shown);
        }
    }

    // ---- value helpers ----

    private SocketEndpoint endpoint(ConfStatement statement, String text) {
        return endpoint(statement, "", text);
    }

    private SocketEndpoint endpoint(ConfStatement statement, String prefix, String text) {
        try {
            return SocketEndpoint.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(statement, prefix + statement.keyword() + ": " + e.getMessage());
        }
    }

    private Duration interval(ConfStatement statement, String prefix) {
        String text = joined(statement);
        try {
            return Intervals.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(statement, prefix + statement.keyword() + ": " + e.getMessage());
        }
    }

    /** A mailutils-style boolean: yes/no, true/false, on/off, t/nil, 1/0. */
    private boolean yesOrNo(ConfStatement statement, String prefix) {
        String word = scalar(statement);
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "yes", "true", "on", "t", "1" -> true;
            case "no", "false", "off", "nil", "0" -> false;
            default -> throw error(statement, prefix + statement.keyword() + " \"" + word + "\" (expected: yes or no)");
        };
    }

    private long number(ConfStatement statement, String text) {
        if (!text.matches("\\d{1,10}")) {
            throw error(statement, statement.keyword() + ": bad number \"" + text + "\" (expected: a non-negative integer)");
        }
        return Long.parseLong(text);
    }

    /** Bytes, optionally with a binary suffix: {@code 1048576}, {@code 1024K}, {@code 1M}. */
    private long size(ConfStatement statement, String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        long multiplier = 1;
        String digits = lower;
        for (String[] suffix : new String[][] {{"kib", "1024"}, {"k", "1024"}, {"mib", "1048576"}, {"m", "1048576"}}) {
            if (lower.endsWith(suffix[0])) {
                multiplier = Long.parseLong(suffix[1]);
                digits = lower.substring(0, lower.length() - suffix[0].length()).strip();
                break;
            }
        }
        if (!digits.matches("\\d{1,10}")) {
            throw error(statement, statement.keyword() + ": bad size \"" + text + "\" (expected: bytes, e.g. 1048576, 1024K or 1M)");
        }
        return Long.parseLong(digits) * multiplier;
    }

    /** A file name from the file; one the system cannot have (a NUL byte) is an error at its line. */
    private static Path path(ConfStatement statement, String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw error(statement, statement.keyword() + ": bad file name \"" + text.replace("\0", "\\0") + "\" ("
                    + e.getReason() + ")");
        }
    }

    private String scalar(ConfStatement statement) {
        if (statement.values().size() != 1) {
            throw error(statement, statement.keyword() + " takes one value (found " + statement.values().size()
                    + (statement.values().isEmpty() ? "" : ": " + statement.values()) + ")");
        }
        return scalarValue(statement, statement.values().get(0));
    }

    private List<String> scalars(ConfStatement statement, int count) {
        if (statement.values().size() != count) {
            throw error(statement, statement.keyword() + " takes " + count + " values (found " + statement.values().size() + ")");
        }
        return statement.values().stream().map(value -> scalarValue(statement, value)).toList();
    }

    private String scalarValue(ConfStatement statement, Value value) {
        if (value instanceof Value.Scalar scalar) {
            return scalar.text();
        }
        throw error(statement, statement.keyword() + ": a list is not allowed here (found " + value + ")");
    }

    /** All values joined by spaces, for statements like {@code write-timeout 30 seconds;}. */
    private String joined(ConfStatement statement) {
        if (statement.values().isEmpty()) {
            throw error(statement, statement.keyword() + " needs a value");
        }
        return String.join(" ", statement.values().stream().map(value -> scalarValue(statement, value)).toList());
    }

    /** A list's strings, or a single value as a one-element list (Mailutils allows both). */
    private List<String> strings(ConfStatement statement, Value value) {
        if (value instanceof Value.Scalar scalar) {
            return List.of(scalar.text());
        }
        List<String> out = new ArrayList<>();
        for (Value item : ((Value.ListValue) value).items()) {
            out.add(scalarValue(statement, item));
        }
        return out;
    }

    private static Optional<String> nonEmpty(String text) {
        return text.isBlank() ? Optional.empty() : Optional.of(text.strip());
    }

    private <T> T convert(ConfStatement statement, Supplier<T> conversion) {
        try {
            return conversion.get();
        } catch (IllegalArgumentException e) {
            throw error(statement, statement.keyword() + ": " + e.getMessage());
        }
    }

    private void noBlock(ConfStatement statement) {
        if (statement.block().isPresent()) {
            throw error(statement, statement.keyword() + " is a simple statement, not a block (write " + statement.keyword() + " VALUE;)");
        }
    }

    private void block(ConfStatement statement) {
        if (statement.block().isEmpty()) {
            throw error(statement, statement.keyword() + " is a block statement (write " + statement.keyword() + " { ... })");
        }
    }

    private List<ConfStatement> blockOf(ConfStatement statement) {
        block(statement);
        if (!statement.values().isEmpty()) {
            throw error(statement, statement.keyword() + " takes no value before \"{\"");
        }
        return statement.block().get();
    }

    private static ConfigException error(ConfStatement statement, String problem) {
        return new ConfigException(statement.location().toString(), problem);
    }

    private static ConfigException unknown(ConfStatement statement, Set<String> known, String where) {
        String hint = Suggestions.closest(statement.keyword(), known).map(best -> " (did you mean \"" + best + "\"?)").orElse("");
        boolean maybeMailfromd = where.isEmpty() && hint.isEmpty();
        String sharing = maybeMailfromd
                ? "; if this file is shared with mailfromd, put pmult's statements in a program pmult { ... } block" : "";
        return error(statement, "unknown statement \"" + statement.keyword() + "\"" + where + hint + sharing);
    }

    /** Names the line of the first byte that is not UTF-8, so the administrator can find it. */
    private static ConfigException notUtf8(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
            StandardCharsets.UTF_8.newDecoder().decode(in, java.nio.CharBuffer.allocate(bytes.length), true);
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            return new ConfigException(file + ":" + line, "not valid UTF-8 text (byte " + in.position()
                    + " of the file); save the file as UTF-8");
        } catch (IOException e) {
            return new ConfigException(file.toString(), "not valid UTF-8 text; save the file as UTF-8");
        }
    }
}
