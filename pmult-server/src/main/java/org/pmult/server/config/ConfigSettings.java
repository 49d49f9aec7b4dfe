package org.pmult.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * pmult's settings as one configuration file gives them, whatever its syntax: each value parsed as
 * far as that syntax goes and {@link Located located}; what the file does not set is empty.
 * {@link GnuConfigReader} and {@link HoconConfigReader} fill it in, {@link PmultConfigBuilder}
 * checks it and turns it into a {@link PmultConfig}, with the built-in defaults for what is unset.
 */
final class ConfigSettings {

    /** One listen socket, with its own unix socket options where the syntax allows them. */
    record ListenSetting(Located<String> url, Optional<Located<String>> mode, Optional<Located<String>> owner,
                         Optional<Located<String>> group) {

        static ListenSetting of(Located<String> url) {
            return new ListenSetting(url, Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /** The file the settings come from, for what has no line of its own. */
    final ConfigLocation source;
    /** What the reader wants the operator to know (skipped statements, warnings). */
    final List<ConfigNote> notes = new ArrayList<>();

    /** The listen sockets; empty when the file has no listen setting at all (the default is used). */
    Optional<Located<List<ListenSetting>>> listen = Optional.empty();
    Optional<Located<String>> socketMode = Optional.empty();
    Optional<Located<String>> socketOwner = Optional.empty();
    Optional<Located<String>> socketGroup = Optional.empty();
    Optional<Located<String>> pidfile = Optional.empty();
    Optional<Located<String>> debug = Optional.empty();
    /** {@code HOST:PORT}, a bare port, or blank for off. */
    Optional<Located<String>> metricsAddress = Optional.empty();

    Optional<Located<Integer>> maxConnections = Optional.empty();
    Optional<Located<Integer>> maxSessionsPerConnection = Optional.empty();
    Optional<Located<Integer>> advertisedMaxSessions = Optional.empty();
    Optional<Located<Integer>> maxFrameLength = Optional.empty();
    Optional<Located<Duration>> idleTimeout = Optional.empty();

    Optional<Located<Duration>> shutdownGrace = Optional.empty();
    Optional<Located<Duration>> reconnectInitial = Optional.empty();
    Optional<Located<Duration>> reconnectMax = Optional.empty();
    Optional<Located<Integer>> eventLoopThreads = Optional.empty();
    Optional<Located<Duration>> eventLoopSpin = Optional.empty();

    /** define-macros: MeTA1 names added to each stage's request, in the order given. */
    final Map<MacroStage, List<Located<String>>> requestedMacros = new EnumMap<>(MacroStage.class);
    /** MeTA1 name to Sendmail name, in the order given. */
    final List<Located<Map.Entry<String, String>>> sendmailNames = new ArrayList<>();
    /** Sendmail name to its default value, in the order given. */
    final List<Located<Map.Entry<String, String>>> macroDefaults = new ArrayList<>();
    /** The v2 macro set of each stage that is set (replacing the default set of that stage). */
    final Map<MacroStage, Located<List<String>>> v2Defaults = new EnumMap<>(MacroStage.class);

    /** Settings every client inherits unless it sets them itself. */
    final ClientSettings clientDefaults;
    /** The clients in the order they are consulted. */
    final List<ClientSettings> clients = new ArrayList<>();

    ConfigSettings(ConfigLocation source, Located<String> clientDefaultsName) {
        this.source = source;
        this.clientDefaults = new ClientSettings(clientDefaultsName);
    }
}
