package org.pmult.server.config;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The milter processes or hosts behind one client: equivalent instances, each given new sessions
 * in turn by {@link Balance}. One URL is the usual case.
 *
 * @param urls    every instance's socket, in configuration order; at least one, no duplicates
 * @param balance how new sessions are spread over the instances that are up
 */
public record ClientInstances(List<SocketEndpoint> urls, Balance balance) {

    /** How new sessions are spread over the healthy instances (key {@code balance}). */
    public enum Balance {
        /** The instance with the fewest sessions open now; ties in turn. */
        LEAST_OUTSTANDING,
        /** Each instance in turn. */
        ROUND_ROBIN;

        private final String configName = name().toLowerCase(Locale.ROOT).replace('_', '-');

        public String configName() {
            return configName;
        }

        public static Optional<Balance> fromConfigName(String name) {
            String lower = name.strip().toLowerCase(Locale.ROOT);
            return Arrays.stream(values()).filter(balance -> balance.configName.equals(lower)).findFirst();
        }

        /** {@code "least-outstanding or round-robin"}, for error messages. */
        public static String choices() {
            return LEAST_OUTSTANDING.configName + " or " + ROUND_ROBIN.configName;
        }
    }

    public ClientInstances {
        urls = List.copyOf(urls);
        Objects.requireNonNull(balance, "balance");
        if (urls.isEmpty()) {
            throw new InvalidFieldException("url", "none (expected: at least one milter socket)");
        }
        if (new HashSet<>(urls).size() != urls.size()) {
            throw new InvalidFieldException("url", urls + " names an instance twice (expected: each socket once)");
        }
    }

    /** One instance. */
    public static ClientInstances of(SocketEndpoint url) {
        return new ClientInstances(List.of(url), Balance.LEAST_OUTSTANDING);
    }
}
