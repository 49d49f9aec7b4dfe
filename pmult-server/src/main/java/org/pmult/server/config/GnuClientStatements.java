package org.pmult.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the statements of a pmult.conf {@code client} block, and of {@code client-defaults}, into
 * {@link ClientSettings}. Only the syntax is checked here; {@link ClientConfigBuilder} checks the
 * values.
 */
final class GnuClientStatements {

    static final Set<String> CLIENT = Set.of("type", "url", "connect-timeout", "read-timeout", "write-timeout",
            "eom-timeout", "log-level", "default-action", "v2-macros", "spare-connections", "reuse-connections",
            "max-idle-connections", "idle-connection-timeout", "evaluation-mode", "balance", "quarantine-action", "max-pending-connects",
            "condition");

    private GnuClientStatements() {
    }

    /**
     * A {@code client [NAME] { ... }} block; a client without a name is named {@code clientN} by its
     * position among the clients.
     */
    static ClientSettings client(ConfStatement block, int position) {
        GnuStatement client = GnuStatement.of(block);
        if (block.values().size() > 1) {
            throw client.error("client takes at most one identifier (found " + block.values() + ")");
        }
        String name = block.values().isEmpty() ? "client" + position : client.text(block.values().get(0));
        String setting = "client \"" + name + "\"";
        ClientSettings settings = new ClientSettings(new Located<>(name, block.location(), setting));
        List<Located<String>> urls = new ArrayList<>();
        for (ConfStatement statement : block.block().orElseThrow()) {
            if (statement.keyword().equals("url")) {
                // several url statements: equivalent instances of one milter
                GnuStatement url = GnuStatement.inside(setting + ":", statement);
                urls.add(url.located(url.scalar()));
            } else {
                read(GnuStatement.inside(setting + ":", statement), settings, " in client \"" + name + "\"");
            }
        }
        if (!urls.isEmpty()) {
            settings.urls = Optional.of(urls);
        }
        return settings;
    }

    /** One statement of the {@code client-defaults} block. */
    static void defaultsStatement(ConfStatement statement, ClientSettings defaults) {
        if (statement.keyword().equals("url")) {
            throw new ConfigException(statement.location().toString(), "url belongs in a client block, not in client-defaults");
        }
        read(GnuStatement.inside("client-defaults", statement), defaults, " in client-defaults");
    }

    private static void read(GnuStatement statement, ClientSettings settings, String where) {
        switch (statement.keyword()) {
            case "type" -> settings.type = Optional.of(statement.located(statement.joined()));
            case "balance" -> settings.balance = Optional.of(statement.located(statement.scalar()));
            case "connect-timeout" -> settings.connectTimeout = Optional.of(statement.located(statement.interval()));
            case "read-timeout" -> settings.readTimeout = Optional.of(statement.located(statement.interval()));
            case "write-timeout" -> settings.writeTimeout = Optional.of(statement.located(statement.interval()));
            case "eom-timeout" -> settings.eomTimeout = Optional.of(statement.located(statement.interval()));
            case "log-level" -> settings.logLevel = Optional.of(statement.located(statement.joined()));
            case "default-action" -> settings.defaultAction = Optional.of(statement.located(statement.scalar()));
            case "v2-macros" -> settings.v2Macros.putAll(GnuConfigReader.v2Macros(statement));
            case "spare-connections" -> settings.spareConnections = Optional.of(statement.located(statement.number()));
            case "reuse-connections" -> settings.reuseConnections = Optional.of(statement.located(statement.yesOrNo()));
            case "max-idle-connections" -> settings.maxIdleConnections = Optional.of(statement.located(statement.number()));
            case "idle-connection-timeout" -> settings.idleConnectionTimeout = Optional.of(statement.located(statement.interval()));
            case "evaluation-mode" -> settings.evaluationMode = Optional.of(statement.located(statement.yesOrNo()));
            case "quarantine-action" -> settings.quarantineAction = Optional.of(statement.located(statement.scalar()));
            case "condition" -> settings.condition = Optional.of(statement.located(statement.scalar()));
            case "max-pending-connects" -> settings.maxPendingConnects = Optional.of(statement.located(statement.number()));
            default -> throw GnuStatement.unknown(statement.statement(), CLIENT, where);
        }
    }
}
