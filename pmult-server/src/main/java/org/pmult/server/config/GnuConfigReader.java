package org.pmult.server.config;

import org.pmult.server.config.ConfStatement.Value;
import org.pmult.server.config.ConfigSettings.ListenSetting;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads GNU pmult's configuration syntax ({@code pmult.conf}, or the {@code program pmult} block of
 * a shared {@code mailfromd.conf}) into {@link ConfigSettings}; {@link PmultConfigBuilder} checks
 * and assembles them. Accepts every statement GNU pmult documents (library-only knobs with a note),
 * plus pmult's own extensions. Every error names file and line and refuses the whole file.
 */
final class GnuConfigReader {

    private static final Set<String> TOP_LEVEL = Set.of("listen", "pidfile", "debug", "max-threads-soft",
            "max-threads-hard", "max-pmilter-fd", "pmilter-debug", "define-macros", "client", "logging", "include",
            "program", "unix-socket", "metrics", "limits", "shutdown-grace", "reconnect", "macro-name", "macro-default", "v2-macros",
            "client-defaults", "event-loops");

    private final ConfigSettings settings;
    private final List<Located<ListenSetting>> listen = new ArrayList<>();

    private GnuConfigReader(ConfigSettings settings) {
        this.settings = settings;
    }

    static LoadedConfig read(Path file) {
        ConfigLocation source = ConfigLocation.of(file.toString());
        ConfigSettings settings = new ConfigSettings(source, new Located<>("client-defaults", source, "client-defaults"));
        List<ConfStatement> statements = ConfIncludes.read(file, settings.notes);
        new GnuConfigReader(settings).interpret(statements, file.toString());
        return PmultConfigBuilder.build(settings, Optional.of(file), ConfigFormat.GNU_PMULT);
    }

    private void interpret(List<ConfStatement> topLevel, String file) {
        List<ConfStatement> programPmult = new ArrayList<>();
        for (ConfStatement statement : topLevel) {
            if (statement.block().isPresent() && isProgram(statement, "pmult")) {
                programPmult.addAll(statement.block().get());
            }
        }
        List<ConfStatement> scope = topLevel;
        if (!programPmult.isEmpty()) {
            long skipped = topLevel.stream().filter(statement -> !isProgram(statement, "pmult")).count();
            if (skipped > 0) {
                settings.notes.add(ConfigNote.info(file + ": using the program pmult block; " + skipped
                        + " statement(s) outside it (for mailfromd or other programs) skipped"));
            }
            scope = programPmult;
        }
        List<ConfStatement> clients = new ArrayList<>();
        for (ConfStatement statement : scope) {
            if (statement.keyword().equals("client")) {
                GnuStatement.of(statement).block();
                clients.add(statement);
            } else {
                topLevelStatement(GnuStatement.of(statement));
            }
        }
        if (!listen.isEmpty()) {
            settings.listen = Optional.of(new Located<>(listen.stream().map(Located::value).toList(), listen.get(0).location(),
                    "listen"));
        }
        // clients last: client-defaults apply wherever they stand
        for (int i = 0; i < clients.size(); i++) {
            settings.clients.add(GnuClientStatements.client(clients.get(i), i + 1));
        }
    }

    private static boolean isProgram(ConfStatement statement, String name) {
        return statement.keyword().equals("program") && statement.values().size() == 1
                && statement.values().get(0) instanceof Value.Scalar scalar && scalar.text().equals(name);
    }

    private void topLevelStatement(GnuStatement statement) {
        switch (statement.keyword()) {
            case "listen" -> {
                Located<String> url = statement.located(statement.scalar());
                listen.add(statement.located(ListenSetting.of(url)));
            }
            case "pidfile" -> settings.pidfile = Optional.of(statement.located(statement.scalar()));
            case "debug" -> debug(statement);
            case "max-threads-soft", "max-threads-hard", "max-pmilter-fd", "pmilter-debug" -> {
                statement.number();
                settings.notes.add(ConfigNote.info(statement.location() + ": " + statement.keyword()
                        + " configures GNU pmult's MeTA1 pmilter library; it has no effect here (pmult is event-driven;"
                        + " see limits for its bounds)"));
            }
            case "define-macros" -> defineMacros(statement);
            case "client-defaults" -> {
                for (ConfStatement inner : statement.blockOf()) {
                    GnuClientStatements.defaultsStatement(inner, settings.clientDefaults);
                }
            }
            case "logging" -> {
                statement.block();
                settings.notes.add(ConfigNote.info(statement.location() + ": logging block skipped: pmult logs through"
                        + " logback (use debug for levels)"));
            }
            case "program" -> {
                statement.block();
                settings.notes.add(ConfigNote.info(statement.location() + ": program " + statement.statement().values()
                        + " block skipped (it configures another program)"));
            }
            case "unix-socket" -> unixSocket(statement);
            case "metrics" -> metrics(statement);
            case "limits" -> limits(statement);
            case "shutdown-grace" -> settings.shutdownGrace = Optional.of(statement.located(statement.interval()));
            case "reconnect" -> reconnect(statement);
            case "event-loops" -> eventLoops(statement);
            case "macro-name" -> {
                List<String> words = statement.scalars(2);
                settings.sendmailNames.add(statement.located(Map.entry(words.get(0), words.get(1))));
            }
            case "macro-default" -> {
                // Postfix's milter_macro_defaults: the value a macro gets when nothing else gives it one
                List<String> words = statement.scalars(2);
                settings.macroDefaults.add(statement.located(Map.entry(words.get(0), words.get(1))));
            }
            case "v2-macros" -> settings.v2Defaults.putAll(v2Macros(statement));
            default -> throw GnuStatement.unknown(statement.statement(), TOP_LEVEL, "");
        }
    }

    private void debug(GnuStatement statement) {
        if (statement.statement().block().isEmpty()) {
            settings.debug = Optional.of(statement.located(statement.joined()));
            return;
        }
        for (ConfStatement inner : statement.statement().block().get()) {
            if (inner.keyword().equals("level")) {
                GnuStatement level = new GnuStatement(inner, "debug");
                settings.debug = Optional.of(level.located(level.joined()));
            } else {
                settings.notes.add(ConfigNote.info(inner.location() + ": debug." + inner.keyword() + " skipped (Mailutils"
                        + " debug setting with no counterpart in pmult)"));
            }
        }
    }

    /** {@code define-macros HANDLER (names...);} or {@code define-macros (h1, h2) (names...);}. */
    private void defineMacros(GnuStatement statement) {
        statement.noBlock();
        List<Value> values = statement.statement().values();
        if (values.size() != 2) {
            throw statement.error("define-macros takes a handler and a macro list, e.g. define-macros mail (auth_type, auth_authen);"
                    + " (found " + values.size() + " values)");
        }
        List<MacroStage> stages = new ArrayList<>();
        for (String handler : statement.strings(values.get(0))) {
            stages.add(MacroStage.fromPmultHandler(handler).orElseThrow(() -> statement.invalid("unknown handler \""
                    + handler + "\" (expected: connect, helo, mail/envfrom, rcpt/envrcpt, data/header/body or dot/eom)")));
        }
        List<Located<String>> names = statement.strings(values.get(1)).stream().map(statement::located).toList();
        for (MacroStage stage : stages) {
            settings.requestedMacros.computeIfAbsent(stage, key -> new ArrayList<>()).addAll(names);
        }
    }

    /** {@code v2-macros STAGE (names...);} or {@code v2-macros (s1, s2) (names...);}: each stage's set. */
    static Map<MacroStage, Located<List<String>>> v2Macros(GnuStatement statement) {
        statement.noBlock();
        List<Value> values = statement.statement().values();
        if (values.size() != 2) {
            throw statement.error("v2-macros takes a stage and a macro list, e.g. v2-macros connect (j, client_addr);");
        }
        Map<MacroStage, Located<List<String>>> sets = new EnumMap<>(MacroStage.class);
        Located<List<String>> names = statement.located(statement.strings(values.get(1)));
        for (String stageName : statement.strings(values.get(0))) {
            MacroStage stage = MacroStage.fromConfigName(stageName).or(() -> switch (stageName.toLowerCase(Locale.ROOT)) {
                case "envfrom" -> Optional.of(MacroStage.MAIL);
                case "envrcpt" -> Optional.of(MacroStage.RCPT);
                case "dot" -> Optional.of(MacroStage.EOM);
                default -> Optional.empty();
            }).orElseThrow(() -> statement.invalid("unknown stage \"" + stageName
                    + "\" (expected: connect, helo, mail, rcpt, data, eoh or eom)"));
            sets.put(stage, names);
        }
        return sets;
    }

    private void unixSocket(GnuStatement block) {
        for (ConfStatement statement : block.blockOf()) {
            GnuStatement inner = GnuStatement.inside("unix-socket", statement);
            switch (inner.keyword()) {
                case "mode" -> settings.socketMode = Optional.of(inner.located(inner.scalar()));
                case "owner" -> settings.socketOwner = Optional.of(inner.located(inner.scalar()));
                case "group" -> settings.socketGroup = Optional.of(inner.located(inner.scalar()));
                default -> throw GnuStatement.unknown(statement, Set.of("mode", "owner", "group"), " in unix-socket");
            }
        }
    }

    private void metrics(GnuStatement block) {
        for (ConfStatement statement : block.blockOf()) {
            if (!statement.keyword().equals("address")) {
                throw GnuStatement.unknown(statement, Set.of("address"), " in metrics");
            }
            GnuStatement inner = GnuStatement.inside("metrics", statement);
            settings.metricsAddress = Optional.of(inner.located(inner.scalar()));
        }
    }

    private void limits(GnuStatement block) {
        for (ConfStatement statement : block.blockOf()) {
            GnuStatement inner = GnuStatement.inside("limits", statement);
            switch (inner.keyword()) {
                case "max-connections" -> settings.maxConnections = Optional.of(inner.located(inner.number()));
                case "max-sessions-per-connection" -> settings.maxSessionsPerConnection = Optional.of(inner.located(inner.number()));
                case "advertised-max-sessions" -> settings.advertisedMaxSessions = Optional.of(inner.located(inner.number()));
                case "max-frame-length" -> settings.maxFrameLength = Optional.of(inner.located(inner.size()));
                case "idle-timeout" -> settings.idleTimeout = Optional.of(inner.located(inner.interval()));
                default -> throw GnuStatement.unknown(statement, Set.of("max-connections", "max-sessions-per-connection",
                        "advertised-max-sessions", "max-frame-length", "idle-timeout"), " in limits");
            }
        }
    }

    private void eventLoops(GnuStatement block) {
        for (ConfStatement statement : block.blockOf()) {
            GnuStatement inner = GnuStatement.inside("event-loops", statement);
            switch (inner.keyword()) {
                case "threads" -> settings.eventLoopThreads = Optional.of(inner.located(inner.number()));
                case "spin" -> settings.eventLoopSpin = Optional.of(inner.located(inner.converted(EventLoops::parseSpin,
                        inner.joined())));
                default -> throw GnuStatement.unknown(statement, Set.of("threads", "spin"), " in event-loops");
            }
        }
    }

    private void reconnect(GnuStatement block) {
        for (ConfStatement statement : block.blockOf()) {
            GnuStatement inner = GnuStatement.inside("reconnect", statement);
            switch (inner.keyword()) {
                case "initial" -> settings.reconnectInitial = Optional.of(inner.located(inner.interval()));
                case "max" -> settings.reconnectMax = Optional.of(inner.located(inner.interval()));
                default -> throw GnuStatement.unknown(statement, Set.of("initial", "max"), " in reconnect");
            }
        }
    }
}
