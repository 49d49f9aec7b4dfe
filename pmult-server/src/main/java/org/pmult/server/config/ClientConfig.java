package org.pmult.server.config;

import org.pmult.milter.client.DefaultAction;
import org.pmult.server.condition.Condition;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One Milter filter pmult consults for every MeTA1 session (GNU pmult's {@code client} block).
 *
 * @param name          identifier used in logs, metrics ({@code client} tag) and config keys; the
 *                      block's ident, or {@code client1}, {@code client2}, ... by position when none
 * @param url           the milter's socket (the first instance's, when there are several)
 * @param timeouts      connect/read/write/eom timeouts
 * @param defaultAction answer given in this client's place when it fails or times out
 * @param connections   spare connections opened ahead of need, and connection reuse
 * @param logLevel      GNU pmult's {@code log-level} (libgacopyz levels), kept for reference; pmult's
 *                      own logging is set with {@code debug}
 * @param v2Macros      macros sent to this client if it turns out to be a v2 milter: the global
 *                      {@link MacroConfig#v2Defaults()} with this client's per-stage overrides applied;
 *                      every stage present, canonical Sendmail names
 * @param evaluationMode whether the milter is only evaluated: consulted as usual, its verdicts and
 *                      changes logged and counted but never applied (switchable by a reload)
 * @param instances     every instance's socket ({@code url} first) and how sessions are spread over them
 * @param quarantineAction what becomes of a message this milter asks to quarantine (smtps has no
 *                      hold queue): tempfail by default
 * @param condition     when the milter is consulted ({@link Condition#ALWAYS} without one); like
 *                      evaluation mode, each session's business, not the client's connections'
 */
public record ClientConfig(
        String name,
        SocketEndpoint url,
        ClientTimeouts timeouts,
        DefaultAction defaultAction,
        ClientConnections connections,
        Optional<String> logLevel,
        Map<MacroStage, List<String>> v2Macros,
        boolean evaluationMode,
        ClientInstances instances,
        QuarantineAction quarantineAction,
        Condition condition) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}");

    public ClientConfig {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("client name \"" + name
                    + "\" (expected: 1..64 letters, digits or _ . @ + -, not starting with punctuation)");
        }
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(defaultAction, "defaultAction");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(logLevel, "logLevel");
        v2Macros = MacroConfig.sendmailStageMap(v2Macros, "v2-macros");
        Objects.requireNonNull(instances, "instances");
        if (!instances.urls().get(0).equals(url)) {
            throw new IllegalArgumentException("url: " + url + " is not the first instance of " + instances.urls());
        }
        Objects.requireNonNull(quarantineAction, "quarantineAction");
        Objects.requireNonNull(condition, "condition");
    }

    /** A client consulted always. */
    public ClientConfig(String name, SocketEndpoint url, ClientTimeouts timeouts, DefaultAction defaultAction,
                        ClientConnections connections, Optional<String> logLevel, Map<MacroStage, List<String>> v2Macros,
                        boolean evaluationMode, ClientInstances instances, QuarantineAction quarantineAction) {
        this(name, url, timeouts, defaultAction, connections, logLevel, v2Macros, evaluationMode, instances,
                quarantineAction, Condition.ALWAYS);
    }

    /** A client with the default quarantine action (tempfail). */
    public ClientConfig(String name, SocketEndpoint url, ClientTimeouts timeouts, DefaultAction defaultAction,
                        ClientConnections connections, Optional<String> logLevel, Map<MacroStage, List<String>> v2Macros,
                        boolean evaluationMode, ClientInstances instances) {
        this(name, url, timeouts, defaultAction, connections, logLevel, v2Macros, evaluationMode, instances,
                QuarantineAction.TEMPFAIL);
    }

    /** An enforcing client: its verdicts apply. */
    public ClientConfig(String name, SocketEndpoint url, ClientTimeouts timeouts, DefaultAction defaultAction,
                        ClientConnections connections, Optional<String> logLevel, Map<MacroStage, List<String>> v2Macros) {
        this(name, url, timeouts, defaultAction, connections, logLevel, v2Macros, false, ClientInstances.of(url),
                QuarantineAction.TEMPFAIL);
    }

    /** This configuration with {@code evaluationMode} set as given. */
    public ClientConfig withEvaluationMode(boolean evaluate) {
        return new ClientConfig(name, url, timeouts, defaultAction, connections, logLevel, v2Macros, evaluate, instances,
                quarantineAction, condition);
    }

    /** This configuration with {@code given} as its condition. */
    public ClientConfig withCondition(Condition given) {
        return new ClientConfig(name, url, timeouts, defaultAction, connections, logLevel, v2Macros, evaluationMode,
                instances, quarantineAction, given);
    }

    /** What the client's connections depend on: without evaluation mode and condition, which apply per session. */
    public ClientConfig connectionSettings() {
        return withEvaluationMode(false).withCondition(Condition.ALWAYS);
    }

    /** The configuration of the instance at {@code url} on its own: the same client with that one socket. */
    public ClientConfig instance(SocketEndpoint instanceUrl) {
        return new ClientConfig(name, instanceUrl, timeouts, defaultAction, connections, logLevel, v2Macros, evaluationMode,
                ClientInstances.of(instanceUrl), quarantineAction, condition);
    }
}
