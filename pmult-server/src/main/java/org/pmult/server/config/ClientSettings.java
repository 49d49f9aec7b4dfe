package org.pmult.server.config;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One client's settings as its configuration file gives them (or the settings of client-defaults),
 * each {@link Located located}; what is not set is empty and comes from client-defaults, then from
 * the built-in defaults. {@link ClientConfigBuilder} turns it into a {@link ClientConfig}.
 *
 * <p>A new per-client key is a field here, a line in each reader and a line in the builder.
 */
final class ClientSettings {

    /** The client's name, located at its block; the setting is how the syntax names the client. */
    final Located<String> name;

    /** The milter's sockets (several: equivalent instances); empty when not set. */
    Optional<List<Located<String>>> urls = Optional.empty();
    Optional<Located<String>> type = Optional.empty();
    Optional<Located<String>> balance = Optional.empty();
    Optional<Located<Duration>> connectTimeout = Optional.empty();
    Optional<Located<Duration>> readTimeout = Optional.empty();
    Optional<Located<Duration>> writeTimeout = Optional.empty();
    Optional<Located<Duration>> eomTimeout = Optional.empty();
    Optional<Located<String>> defaultAction = Optional.empty();
    Optional<Located<Integer>> spareConnections = Optional.empty();
    Optional<Located<Boolean>> reuseConnections = Optional.empty();
    Optional<Located<Integer>> maxIdleConnections = Optional.empty();
    Optional<Located<Duration>> idleConnectionTimeout = Optional.empty();
    Optional<Located<Integer>> maxPendingConnects = Optional.empty();
    Optional<Located<String>> logLevel = Optional.empty();
    Optional<Located<Boolean>> evaluationMode = Optional.empty();
    Optional<Located<String>> quarantineAction = Optional.empty();
    /** The condition expression ({@code org.pmult.server.condition.ConditionParser}), as written. */
    Optional<Located<String>> condition = Optional.empty();
    /** Per-stage v2 macro sets replacing the global ones, Sendmail names as written. */
    final Map<MacroStage, Located<List<String>>> v2Macros = new EnumMap<>(MacroStage.class);

    ClientSettings(Located<String> name) {
        this.name = name;
    }
}
