package org.pmult.server.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import io.netty.channel.EventLoop;
import org.pmult.milter.client.DefaultAction;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.server.config.Backoff;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.ClientConnections;
import org.pmult.server.config.ClientTimeouts;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.metrics.MeterNames;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A milter client's health and its reconnect probes, against a scripted milter on a loopback port:
 * a failed probe is nobody's session, so it applies no default action, and whatever way it fails —
 * refused, closed, timed out, at once or later — it keeps the probing going until the milter is back.
 */
class MilterClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MilterClientRig rig = new MilterClientRig(2);
    private final SimpleMeterRegistry registry = rig.registry;
    private ScriptedMilter milter;
    private MilterClient client;

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void failedReconnectProbesApplyNoDefaultAction() {
        // the milter hangs up on every OPTNEG: each probe fails
        milter = start(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> MilterScriptResponse.close()));
        client = client(Duration.ofSeconds(5));

        client.probe();
        await("down after failing probes").atMost(WAIT).until(() -> client.health() == MilterClient.Health.DOWN);

        assertTrue(milter.connections() >= 6, "at least three probes, each offering v6 then v2");
        assertEquals(0.0, defaultActions(), "no session was answered in the milter's place");
    }

    @Test
    void keepsProbingAfterAProbeTimesOutAndSeesTheMilterBack() {
        // (each probe offers v6, then v2 on a new connection when hung up on): ten probes hung up on
        // (down: failing for over 100 ms), then one never answered (times out), then the milter is healthy
        milter = start(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> connection < 20
                ? MilterScriptResponse.close()
                : connection == 20 ? MilterScriptResponse.silent()
                : MilterScriptResponse.reply(new MilterReply.OptionNegotiation(
                        MilterCodes.MAX_VERSION, ((MilterCommand.OptionNegotiation) command).actions(), 0))));
        client = client(Duration.ofMillis(200));

        client.probe();

        await("the client back up").atMost(WAIT).until(() -> client.health() == MilterClient.Health.UP);
        assertEquals(1.0, registry.get(MeterNames.MILTER_RECONNECTS).tag(MeterNames.TAG_CLIENT, "mfd").counter().count());
    }

    @Test
    void keepsProbingWhenAProbeFailsBeforeTheTaskThatStartedItHasFinished(@TempDir Path dir) throws IOException {
        // A unix socket file nobody listens on refuses at once: the probe can fail on its event loop
        // while the scheduled task that started it is still running on the other one.
        Path socket = dir.resolve("milter.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket));
        }
        client = client(SocketEndpoint.parse("unix://" + socket), Duration.ofSeconds(5));

        client.probe();

        await("probing goes on").atMost(WAIT).until(() -> connectFailures() >= 100);
        assertEquals(MilterClient.Health.DOWN, client.health());
    }

    @Test
    void probeIntervalsGrowWhileConnectingFailsAndStartAgainOnceTheMilterIsBack() {
        AtomicBoolean hangUp = new AtomicBoolean(true);
        milter = start(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> hangUp.get()
                ? MilterScriptResponse.close()
                : MilterScriptResponse.reply(new MilterReply.OptionNegotiation(
                        MilterCodes.MAX_VERSION, ((MilterCommand.OptionNegotiation) command).actions(), 0))));
        Backoff growing = new Backoff(Duration.ofMillis(10), Duration.ofMillis(80));
        client = rig.client(MilterClientRig.config(rig.url(), ClientConnections.DEFAULTS, Duration.ofSeconds(5)), growing);

        client.probe();
        await("10, 20, 40, then 80 ms").atMost(WAIT).until(() -> client.nextProbeDelay().equals(Duration.ofMillis(80)));
        await("down").atMost(WAIT).until(() -> client.health() == MilterClient.Health.DOWN);

        hangUp.set(false);
        await("back within one probe interval").atMost(WAIT).until(() -> client.health() == MilterClient.Health.UP);
        assertEquals(Duration.ofMillis(10), client.nextProbeDelay(), "the next failure starts at the first step again");
    }

    @Test
    void oneSessionsFailedConnectDoesNotMarkTheMilterDown(@TempDir Path dir) throws IOException {
        // a unix socket file nobody listens on: every attempt is refused, for the 3 s connect timeout
        Path socket = dir.resolve("milter.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket));
        }
        ClientConfig config = new ClientConfig("mfd", SocketEndpoint.parse("unix://" + socket),
                new ClientTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                DefaultAction.TEMPFAIL, new ClientConnections(0, false, 16, Duration.ofSeconds(30)), Optional.empty(), Map.of());
        client = rig.client(config, new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)), new MilterHealth());
        EventLoop loop = rig.group.next();

        MilterClientSession session = loop.submit(() -> client.open(loop)).syncUninterruptibly().getNow();
        await("the session gave up").atMost(WAIT).until(() -> session.negotiation().isDone());

        assertTrue(registry.get(MeterNames.MILTER_CONNECT_RETRIES).tag(MeterNames.TAG_CLIENT, "mfd").counter().count() >= 1,
                () -> "the refused connects were tried again: " + session.negotiation().cause());
        assertTrue(session.negotiation().cause().getMessage().startsWith("could not connect within 3s ("),
                session.negotiation().cause().getMessage());
        assertEquals(MilterClient.Health.UNKNOWN, client.health(), "failing for 3 s is not failing for 5 s");
    }

    @Test
    void countsTheBytesOfItsMilterConnectionsAsMilterTraffic() {
        milter = start(ScriptedMilter.builder());
        client = client(Duration.ofSeconds(5));

        client.probe();
        await("the client up").atMost(WAIT).until(() -> client.health() == MilterClient.Health.UP);

        // OPTNEG is 17 bytes on the wire each way: length, command, version, actions, protocol
        await("milter traffic counted").atMost(WAIT).untilAsserted(() -> {
            assertTrue(bytes(MeterNames.SENT) >= 17, "sent " + bytes(MeterNames.SENT));
            assertTrue(bytes(MeterNames.RECEIVED) >= 17, "received " + bytes(MeterNames.RECEIVED));
        });
    }

    private ScriptedMilter start(ScriptedMilter.Builder builder) {
        return rig.start(builder);
    }

    private MilterClient client(Duration readTimeout) {
        return rig.client(ClientConnections.DEFAULTS, readTimeout);
    }

    private MilterClient client(SocketEndpoint url, Duration readTimeout) {
        return rig.client(url, ClientConnections.DEFAULTS, readTimeout);
    }

    private double connectFailures() {
        return registry.get(MeterNames.MILTER_FAILURES).tag(MeterNames.TAG_CLIENT, "mfd")
                .tag(MeterNames.TAG_KIND, "connect").counter().count();
    }

    private double bytes(String meter) {
        return registry.get(meter).tag(MeterNames.TAG_SIDE, "milter").counter().count();
    }

    private double defaultActions() {
        return registry.find(MeterNames.MILTER_DEFAULT_ACTIONS).tag(MeterNames.TAG_CLIENT, "mfd").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
