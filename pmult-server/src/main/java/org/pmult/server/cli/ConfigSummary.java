package org.pmult.server.cli;

import org.pmult.server.condition.Condition;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.ClientTimeouts;
import org.pmult.server.config.ConfigNote;
import org.pmult.server.config.DebugSpec;
import org.pmult.server.config.Intervals;
import org.pmult.server.config.ListenConfig;
import org.pmult.server.config.LoadedConfig;
import org.pmult.server.config.MacroStage;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.config.QuarantineAction;
import org.pmult.server.config.SocketEndpoint;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The human-readable summary {@code pmult --config-test} prints before "configuration OK". */
final class ConfigSummary {

    private ConfigSummary() {
    }

    static void print(LoadedConfig loaded, Optional<DebugSpec> debugOverride, PrintWriter out) {
        PmultConfig config = loaded.config();
        out.println("configuration: " + loaded.source().map(Object::toString).orElse("(none)")
                + " (" + loaded.format().description() + ")");
        for (ListenConfig listen : config.listen()) {
            String unix = listen.endpoint() instanceof SocketEndpoint.Unix
                    ? ", mode " + listen.unixSocket().modeString()
                    + listen.unixSocket().owner().map(owner -> ", owner " + owner).orElse("")
                    + listen.unixSocket().group().map(group -> ", group " + group).orElse("")
                    : "";
            out.println("listen: " + listen.endpoint() + " (" + listen.endpoint().describe() + ")" + unix);
        }
        if (config.clients().isEmpty()) {
            out.println("clients: none");
        }
        for (ClientConfig client : config.clients()) {
            ClientTimeouts timeouts = client.timeouts();
            out.println("client \"" + client.name() + "\": " + client.url() + " (" + client.url().describe() + ")");
            for (SocketEndpoint instance : client.instances().urls().subList(1, client.instances().urls().size())) {
                out.println("    and instance " + instance + " (" + instance.describe() + ")");
            }
            if (client.instances().urls().size() > 1) {
                out.println("    balance: " + client.instances().balance().configName());
            }
            out.println("    timeouts: connect " + Intervals.format(timeouts.connect()) + ", read " + Intervals.format(timeouts.read())
                    + ", write " + Intervals.format(timeouts.write()) + ", eom " + Intervals.format(timeouts.eom())
                    + "; default-action " + client.defaultAction().configName()
                    + client.logLevel().map(level -> "; log-level " + level).orElse(""));
            if (client.quarantineAction() != QuarantineAction.TEMPFAIL) {
                out.println("    quarantine-action " + client.quarantineAction().configName());
            }
            if (client.condition() != Condition.ALWAYS) {
                out.println("    condition: " + client.condition().text() + " (decided "
                        + (client.condition().earliest() == client.condition().latest() ? "at " + client.condition().earliest().tag()
                        : "from " + client.condition().earliest().tag() + " to " + client.condition().latest().tag()) + ")");
            }
            if (client.evaluationMode()) {
                out.println("    evaluation mode: consulted, verdicts and changes logged and counted, never applied");
            }
        }
        for (Map.Entry<MacroStage, List<String>> entry : config.macros().requested().entrySet()) {
            if (!entry.getValue().isEmpty()) {
                out.println("define-macros " + entry.getKey().configName() + ": " + String.join(", ", entry.getValue()));
            }
        }
        config.macros().sendmailNames().forEach((meta1, sendmail) -> out.println("macro-name " + meta1 + " -> " + sendmail));
        config.macros().defaults().forEach((name, value) -> out.println("macro-default " + name + " = \"" + value + "\""));
        out.println("pidfile: " + config.pidfile().map(Object::toString).orElse("none"));
        out.println("metrics: " + config.metricsAddress().map(address -> "http://" + address.bracketedHost() + ":" + address.port() + "/metrics")
                .orElse("off"));
        out.println("limits: " + config.limits().maxConnections() + " MeTA1 connections, "
                + config.limits().maxSessionsPerConnection() + " sessions per connection (MAXSESS "
                + config.limits().advertisedMaxSessions() + "), frames up to " + config.limits().maxFrameLength()
                + " bytes, idle timeout " + (config.limits().idleTimeoutEnabled() ? Intervals.format(config.limits().idleTimeout()) : "off"));
        out.println("shutdown grace: " + Intervals.format(config.shutdownGrace()) + "; reconnect backoff "
                + Intervals.format(config.reconnect().initial()) + " up to " + Intervals.format(config.reconnect().max()));
        DebugSpec debug = debugOverride.orElse(config.debug());
        out.println("debug: " + (debug.text().isEmpty() ? "default (info)" : debug.text())
                + (debugOverride.isPresent() ? " (from --debug)" : ""));
        for (ConfigNote note : loaded.notes()) {
            out.println(note);
        }
        debugOverride.ifPresent(spec -> spec.notes().forEach(note -> out.println("note: --debug: " + note)));
    }
}
