package org.pmult.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything pmult is configured with, immutable and validated. Built by {@link ConfigLoader} from a
 * HOCON file, a GNU pmult.conf, or the built-in defaults ({@code reference.conf}).
 *
 * @param listen         sockets MeTA1 connects to; at least one, no socket twice
 * @param clients        milters consulted for every session, in verdict order; may be empty (pmult
 *                       then answers CONTINUE to everything), names unique
 * @param macros         define-macros, Sendmail name overrides and v2 default sets
 * @param pidfile        where to write the process id; empty: no pidfile
 * @param debug          logging levels ({@code debug} statement); {@link DebugSpec#DEFAULT} when unset
 * @param metricsAddress HTTP address for the Prometheus scrape endpoint; empty: metrics HTTP off
 * @param limits         connection, session and frame bounds
 * @param shutdownGrace  on shutdown, how long in-flight sessions may take to finish (default 30 s)
 * @param reconnect      backoff for reconnecting to a milter that is down
 * @param eventLoops     I/O threads and their spin before sleeping (read at start only)
 */
public record PmultConfig(
        List<ListenConfig> listen,
        List<ClientConfig> clients,
        MacroConfig macros,
        Optional<Path> pidfile,
        DebugSpec debug,
        Optional<SocketEndpoint.Inet> metricsAddress,
        Limits limits,
        Duration shutdownGrace,
        Backoff reconnect,
        EventLoops eventLoops) {

    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    public PmultConfig {
        listen = List.copyOf(listen);
        if (listen.isEmpty()) {
            throw new InvalidFieldException("listen", "no socket (expected: at least one listen address)");
        }
        for (int i = 0; i < listen.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (listen.get(i).endpoint().sameSocket(listen.get(j).endpoint())) {
                    throw new InvalidFieldException("listen", listen.get(i).endpoint() + " is given twice");
                }
            }
        }
        clients = List.copyOf(clients);
        Set<String> names = new HashSet<>();
        for (ClientConfig client : clients) {
            if (!names.add(client.name())) {
                throw new IllegalArgumentException("client \"" + client.name() + "\" is defined twice");
            }
        }
        Objects.requireNonNull(macros, "macros");
        Objects.requireNonNull(pidfile, "pidfile");
        Objects.requireNonNull(debug, "debug");
        Objects.requireNonNull(metricsAddress, "metricsAddress");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (shutdownGrace.isNegative() || shutdownGrace.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidFieldException("shutdown-grace", Intervals.format(shutdownGrace) + " (expected: 0 .. 1 hour)");
        }
        Objects.requireNonNull(reconnect, "reconnect");
        Objects.requireNonNull(eventLoops, "eventLoops");
    }

    /** The built-in defaults: listen on {@code inet://127.0.0.1:3333}, no clients (from {@code reference.conf}). */
    public static PmultConfig defaults() {
        return ConfigLoader.builtinDefaults();
    }

    /** This configuration listening on {@code endpoints} instead (GNU pmult's {@code --url}). */
    public PmultConfig withListen(List<SocketEndpoint> endpoints) {
        UnixSocketOptions unix = listen.get(0).unixSocket();
        List<ListenConfig> replaced = endpoints.stream().map(endpoint -> new ListenConfig(endpoint, unix)).toList();
        return new PmultConfig(replaced, clients, macros, pidfile, debug, metricsAddress, limits, shutdownGrace, reconnect, eventLoops);
    }

    /** Looks a client up by name. */
    public Optional<ClientConfig> client(String name) {
        return clients.stream().filter(client -> client.name().equals(name)).findFirst();
    }
}
