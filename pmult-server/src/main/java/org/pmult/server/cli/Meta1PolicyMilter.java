package org.pmult.server.cli;

import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.Intervals;
import org.pmult.server.config.ListenConfig;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.config.SocketEndpoint;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes the {@code policy_milter} section of MeTA1's {@code /etc/meta1/meta1.conf} (inside
 * {@code smtps}) that makes smtps connect to pmult, in the syntax the mailfromd manual's MeTA1 node
 * gives: {@code policy_milter { socket { type = inet; address = A; port = P; }; timeout = T;
 * flags = { abort }; };} ({@code type = unix; path = F;} for a unix socket).
 */
final class Meta1PolicyMilter {

    /** What smtps does when pmult does not answer in time. */
    enum Flag {
        /** End the SMTP session with 421 (fail closed). */
        ABORT("abort"),
        /** Go on unfiltered and reconnect for the next session (fail open). */
        ACCEPT_BUT_RECONNECT("accept_but_reconnect"),
        /** No flags line: smtps' own default. */
        NONE("");

        final String meta1Name;

        Flag(String meta1Name) {
            this.meta1Name = meta1Name;
        }
    }

    /** smtps' timeout when no client sets a longer one. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    /** Added to the longest milter timeout so pmult applies its default action before smtps gives up. */
    static final Duration MARGIN = Duration.ofMinutes(1);

    private Meta1PolicyMilter() {
    }

    /** The section for the first listen socket; further listen sockets follow as commented alternatives. */
    static String render(PmultConfig config, Optional<Duration> timeoutOverride, Flag flag) {
        Duration timeout = timeoutOverride.orElseGet(() -> recommendedTimeout(config));
        StringBuilder out = new StringBuilder();
        List<ListenConfig> listen = config.listen();
        out.append("# MeTA1 smtps: the policy_milter section for pmult listening on ").append(listen.get(0).endpoint()).append('\n');
        out.append("# Put it inside the smtps { ... } section of /etc/meta1/meta1.conf.\n");
        if (timeoutOverride.isEmpty()) {
            out.append("# timeout: ").append(timeoutExplanation(config)).append('\n');
        }
        for (String line : block(listen.get(0).endpoint(), timeout, flag)) {
            out.append(line).append('\n');
        }
        for (ListenConfig other : listen.subList(1, listen.size())) {
            out.append("# pmult also listens on ").append(other.endpoint()).append("; to use that socket instead:\n");
            for (String line : block(other.endpoint(), timeout, flag)) {
                out.append("# ").append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** The longest time any client may keep a command waiting, plus a margin; 5 minutes without clients. */
    static Duration recommendedTimeout(PmultConfig config) {
        Duration longest = config.clients().stream().map(client -> client.timeouts().longestReply())
                .max(Duration::compareTo).orElse(DEFAULT_TIMEOUT.minus(MARGIN));
        Duration withMargin = longest.plus(MARGIN);
        long minutes = (withMargin.getSeconds() + 59) / 60;
        return Duration.ofMinutes(minutes);
    }

    private static String timeoutExplanation(PmultConfig config) {
        Optional<ClientConfig> slowest = config.clients().stream()
                .max((a, b) -> a.timeouts().longestReply().compareTo(b.timeouts().longestReply()));
        return slowest.map(client -> "longer than client \"" + client.name() + "\"'s longest timeout ("
                        + Intervals.format(client.timeouts().longestReply()) + "), so pmult answers before smtps gives up")
                .orElse("no clients are configured; 5 minutes");
    }

    private static List<String> block(SocketEndpoint endpoint, Duration timeout, Flag flag) {
        List<String> lines = new ArrayList<>();
        lines.add("policy_milter {");
        lines.add("    socket {");
        if (endpoint instanceof SocketEndpoint.Inet inet) {
            lines.add("        type = inet;");
            lines.add("        address = " + meta1Address(inet) + ";");
            lines.add("        port = " + inet.port() + ";");
        } else if (endpoint instanceof SocketEndpoint.Unix unix) {
            lines.add("        type = unix;");
            lines.add("        path = " + unix.path().toAbsolutePath().normalize() + ";");
        }
        lines.add("    };");
        lines.add("    timeout = " + meta1Interval(timeout) + ";");
        if (flag != Flag.NONE) {
            lines.add("    flags = { " + flag.meta1Name + " };");
        }
        lines.add("};");
        return lines;
    }

    /** MeTA1 wants an IP address: a wildcard listen address is reached over loopback, names are resolved. */
    static String meta1Address(SocketEndpoint.Inet inet) {
        String host = inet.host();
        if (host.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        if (host.equals("::")) {
            return "::1";
        }
        if (host.matches("[0-9.]+") || inet.isIpv6Literal()) {
            return host;
        }
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            return host;
        }
    }

    /** MeTA1/Sendmail style: {@code 6m}, {@code 1h}, {@code 90s}. */
    static String meta1Interval(Duration duration) {
        long seconds = Math.max(1, duration.getSeconds());
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
