package org.pmult.server.config;

import org.pmult.milter.client.DefaultAction;
import org.pmult.server.condition.Condition;
import org.pmult.server.condition.ConditionParser;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks one client's settings and builds its {@link ClientConfig}: each setting is the client's
 * own, else client-defaults', else the built-in default; every error names the setting's file,
 * line and name (or the client block's, for a problem with a built-in default).
 *
 * <p>A new per-client key: read it here from {@link #setting} and pass it to the record.
 */
final class ClientConfigBuilder {

    private final ClientSettings own;
    private final ClientSettings inherited;
    private final FieldSources fields;

    private ClientConfigBuilder(ClientSettings own, ClientSettings inherited) {
        this.own = own;
        this.inherited = inherited;
        this.fields = new FieldSources(own.name.location(), own.name.setting());
    }

    /**
     * @param own        the client's settings
     * @param inherited  client-defaults' settings
     * @param v2Defaults the global v2 macro sets, which the client's per-stage sets override
     */
    static ClientConfig build(ClientSettings own, ClientSettings inherited, Map<MacroStage, List<String>> v2Defaults) {
        return new ClientConfigBuilder(own, inherited).build(v2Defaults);
    }

    private ClientConfig build(Map<MacroStage, List<String>> v2Defaults) {
        String name = own.name.value();
        ClientInstances instances = instances();
        setting(settings -> settings.type).ifPresent(ClientConfigBuilder::requireMilterType);
        ClientTimeouts defaultTimeouts = ClientTimeouts.DEFAULTS;
        Duration connect = fields.take("connect", setting(settings -> settings.connectTimeout), defaultTimeouts.connect());
        Duration read = fields.take("read", setting(settings -> settings.readTimeout), defaultTimeouts.read());
        Duration write = fields.take("write", setting(settings -> settings.writeTimeout), defaultTimeouts.write());
        Duration eom = fields.take("eom", setting(settings -> settings.eomTimeout), defaultTimeouts.eom());
        ClientTimeouts timeouts = fields.build(() -> new ClientTimeouts(connect, read, write, eom));
        DefaultAction action = setting(settings -> settings.defaultAction)
                .map(given -> choice(given, DefaultAction::fromConfigName, DefaultAction.choices()))
                .orElse(DefaultAction.TEMPFAIL);
        ClientConnections connections = connections();
        Optional<String> logLevel = setting(settings -> settings.logLevel).map(Located::value)
                .filter(level -> !level.isBlank()).map(String::strip);
        Map<MacroStage, List<String>> v2 = new EnumMap<>(v2Defaults);
        inherited.v2Macros.forEach((stage, names) -> v2.put(stage, PmultConfigBuilder.sendmailNames(names)));
        own.v2Macros.forEach((stage, names) -> v2.put(stage, PmultConfigBuilder.sendmailNames(names)));
        boolean evaluate = setting(settings -> settings.evaluationMode).map(Located::value).orElse(false);
        QuarantineAction quarantine = setting(settings -> settings.quarantineAction)
                .map(given -> choice(given, QuarantineAction::fromConfigName, QuarantineAction.choices()))
                .orElse(QuarantineAction.TEMPFAIL);
        // one expression syntax for both files; a mistake names its column after the setting's file:line
        Condition condition = setting(settings -> settings.condition).filter(given -> !given.value().isBlank())
                .map(given -> given.convert(ConditionParser::parse)).orElse(Condition.ALWAYS);
        return fields.build(() -> new ClientConfig(name, instances.urls().get(0), timeouts, action, connections, logLevel, v2,
                evaluate, instances, quarantine, condition));
    }

    /** The client's own setting if it has one, else client-defaults'. */
    private <T> Optional<T> setting(Function<ClientSettings, Optional<T>> key) {
        return key.apply(own).or(() -> key.apply(inherited));
    }

    private ClientInstances instances() {
        List<Located<String>> texts = setting(settings -> settings.urls).orElse(List.of());
        if (texts.isEmpty() || texts.stream().anyMatch(text -> text.value().isBlank())) {
            throw new ConfigException(own.name.location().toString(), own.name.setting() + ": missing url (expected: the"
                    + " milter's socket, e.g. unix:///run/mailfromd/mailfromd.sock, or several for equivalent instances)");
        }
        Map<SocketEndpoint, Located<String>> urls = new LinkedHashMap<>();
        for (Located<String> text : texts) {
            SocketEndpoint url = text.convert(value -> SocketEndpoint.parse(value.strip()));
            Located<String> first = urls.putIfAbsent(url, text);
            if (first != null) {
                throw text.error(url + PmultConfigBuilder.alreadyGiven(text, first));
            }
        }
        fields.remember("url", texts.get(0));
        ClientInstances.Balance balance = setting(settings -> settings.balance)
                .map(given -> choice(given, ClientInstances.Balance::fromConfigName, ClientInstances.Balance.choices()))
                .orElse(ClientInstances.Balance.LEAST_OUTSTANDING);
        return fields.build(() -> new ClientInstances(new ArrayList<>(urls.keySet()), balance));
    }

    private ClientConnections connections() {
        ClientConnections defaults = ClientConnections.DEFAULTS;
        int spare = fields.take("spare", setting(settings -> settings.spareConnections), defaults.spare());
        boolean reuse = fields.take("reuse", setting(settings -> settings.reuseConnections), defaults.reuse());
        int maxIdle = fields.take("max-idle", setting(settings -> settings.maxIdleConnections), defaults.maxIdle());
        Duration idleTimeout = fields.take("idle-timeout", setting(settings -> settings.idleConnectionTimeout),
                defaults.idleTimeout());
        int maxPending = fields.take("max-pending-connects", setting(settings -> settings.maxPendingConnects),
                defaults.maxPendingConnects());
        return fields.build(() -> new ClientConnections(spare, reuse, maxIdle, idleTimeout, maxPending));
    }

    /** GNU pmult's reserved {@code type}: {@code milter}, optionally with a protocol version. */
    private static void requireMilterType(Located<String> type) {
        if (!type.value().strip().toLowerCase(Locale.ROOT).matches("milter(\\s+\\d+)?")) {
            throw type.error("\"" + type.value().strip() + "\" is not supported (expected: milter)");
        }
    }

    /** One of an enumeration's configuration names, or an error listing the choices. */
    private static <T> T choice(Located<String> given, Function<String, Optional<T>> byName, String choices) {
        return byName.apply(given.value()).orElseThrow(() -> given.error("\"" + given.value().strip() + "\" (expected: "
                + choices + ")"));
    }
}
