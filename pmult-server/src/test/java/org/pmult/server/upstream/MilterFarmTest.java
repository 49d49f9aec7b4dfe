package org.pmult.server.upstream;

import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.client.DefaultAction;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.ClientConnections;
import org.pmult.server.config.ClientInstances.Balance;
import org.pmult.server.config.ClientInstances;
import org.pmult.server.config.ClientTimeouts;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.metrics.ReadinessCheck;
import org.pmult.server.session.LegVerdict;

import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A client with two instances ("a" and "b", scripted milters on unix sockets): how new sessions are
 * spread, how a session fails over from an instance that cannot be connected, and how that instance
 * is taken out and put back.
 */
class MilterFarmTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ClientConnections NO_SPARES = new ClientConnections(0, false, 16, Duration.ofMinutes(5));

    @TempDir
    Path dir;

    private final MilterClientRig rig = new MilterClientRig(1);
    private final EventLoop loop = rig.group.next();
    private final List<ScriptedMilter> milters = new ArrayList<>();
    private final List<SessionLeg> open = new ArrayList<>();
    private MilterFarm farm;

    @AfterEach
    void stop() {
        open.forEach(leg -> onLoop(() -> {
            leg.close();
            return null;
        }));
        if (farm != null) {
            farm.close();
            farm.closeMeters();
        }
        milters.forEach(ScriptedMilter::close);
        rig.close();
    }

    @Test
    void newSessionsGoToTheInstanceWithFewestOpenSessions() {
        ScriptedMilter a = milter("a");
        ScriptedMilter b = milter("b");
        farm = farm(Balance.LEAST_OUTSTANDING, "a", "b");

        // two sessions stay open: one on each instance
        assertEquals(LegVerdict.CONTINUE, connect("s1"));
        assertEquals(LegVerdict.CONTINUE, connect("s2"));

        assertEquals(1, a.received(Command.CONNECT).size());
        assertEquals(1, b.received(Command.CONNECT).size());
        assertEquals(1.0, instanceGauge(MeterNames.MILTER_INSTANCE_OUTSTANDING, "a"));
        assertEquals(1.0, instanceCounter(MeterNames.MILTER_INSTANCE_SESSIONS, "b"));
    }

    @Test
    void roundRobinTakesTheInstancesInTurnWhateverTheirLoad() {
        ScriptedMilter a = milter("a");
        ScriptedMilter b = milter("b");
        farm = farm(Balance.ROUND_ROBIN, "a", "b");

        for (int i = 0; i < 4; i++) {
            connect("s" + i);
        }

        assertEquals(2, a.received(Command.CONNECT).size());
        assertEquals(2, b.received(Command.CONNECT).size());
    }

    @Test
    void aSessionFailsOverFromAnInstanceThatCannotBeConnectedAndThatInstanceIsTakenOut() {
        // "a" is configured but nothing listens there
        ScriptedMilter b = milter("b");
        farm = farm(Balance.ROUND_ROBIN, "a", "b");

        assertEquals(LegVerdict.CONTINUE, connect("s1"), "the session is served by b, not given the default action");
        assertEquals(LegVerdict.CONTINUE, connect("s2"));

        assertEquals(2, b.received(Command.CONNECT).size());
        assertEquals(MilterClient.Health.DOWN, farm.instances().get(0).health());
        assertEquals(MilterClient.Health.UP, farm.health(), "the client is up while one instance is");
        assertEquals(1.0, instanceCounter(MeterNames.MILTER_INSTANCE_FAILOVERS, "a"), "only s1 tried a");
        assertEquals(0.0, rig.registry.get(MeterNames.MILTER_DEFAULT_ACTIONS).tags("action", "tempfail").counter().count());
        List<ReadinessCheck.Status> statuses = farm.statuses();
        assertEquals(new ReadinessCheck.Status("mfd", true, "1 of 2 instances up"), statuses.get(0));
        assertFalse(statuses.get(1).ready());
        assertFalse(statuses.get(1).counts(), "an instance's line does not decide readiness");
        assertEquals(1.0, rig.registry.get(MeterNames.MILTER_UP).tags("client", "mfd").gauge().value());
    }

    @Test
    void aFailedInstanceIsProbedAndPutBackWhenItAnswersAgain() {
        ScriptedMilter b = milter("b");
        farm = farm(Balance.ROUND_ROBIN, "a", "b");
        connect("s1"); // finds a down

        ScriptedMilter a = milter("a");
        await("a is probed and back").atMost(WAIT).until(() -> farm.instances().get(0).health() == MilterClient.Health.UP);
        for (int i = 2; i <= 5; i++) {
            connect("s" + i);
        }

        assertEquals(2, a.received(Command.CONNECT).size(), "a takes its turn again");
        assertEquals(3, b.received(Command.CONNECT).size());
        assertEquals(1.0, instanceGauge(MeterNames.MILTER_INSTANCE_UP, "a"));
    }

    @Test
    void whenNoInstanceCanBeConnectedTheSessionGetsTheDefaultActionOnce() {
        farm = farm(Balance.LEAST_OUTSTANDING, "a", "b");

        LegVerdict verdict = connect("s1");

        assertEquals(LegVerdict.Kind.TEMPFAIL, verdict.kind());
        assertEquals(1.0, rig.registry.get(MeterNames.MILTER_DEFAULT_ACTIONS).tags("action", "tempfail").counter().count());
        assertEquals(MilterClient.Health.DOWN, farm.health());
        assertEquals(LegVerdict.Kind.TEMPFAIL, connect("s2").kind(), "while both are down: the default action at once");
    }

    // --- helpers -------------------------------------------------------------------------------

    private ScriptedMilter milter(String name) {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket(name));
        ScriptedMilter milter = ScriptedMilter.builder()
                .start(rig.transport.serverBootstrap(rig.group, rig.group, address), rig.transport.nettyAddress(address));
        milters.add(milter);
        return milter;
    }

    private Path socket(String name) {
        return dir.resolve(name + ".sock");
    }

    private MilterFarm farm(Balance balance, String... names) {
        List<SocketEndpoint> urls = new ArrayList<>();
        for (String name : names) {
            urls.add(SocketEndpoint.parse("unix://" + socket(name)));
        }
        ClientConfig config = new ClientConfig("mfd", urls.get(0),
                new ClientTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                DefaultAction.TEMPFAIL, NO_SPARES, Optional.empty(), Map.of(), false, new ClientInstances(urls, balance));
        List<MilterClient> instances = new ArrayList<>();
        for (SocketEndpoint url : urls) {
            instances.add(new MilterClient(config.instance(url), Map.of(), rig.transport, rig.group, MilterClientRig.FAST,
                    rig.metrics, MilterCodes.DEFAULT_MAX_FRAME_LENGTH, MilterHealth.instanceOfSeveral()));
        }
        return new MilterFarm(config, instances, rig.metrics);
    }

    /** CONNECT for a new session, which stays open until the test ends. */
    private LegVerdict connect(String name) {
        SessionLeg leg = new SessionLeg(farm, loop);
        open.add(leg);
        return onLoop(() -> leg.connect(MilterMacros.EMPTY, name + ".example", InetAddress.getLoopbackAddress(), 25))
                .toCompletableFuture().join();
    }

    private double instanceGauge(String name, String instance) {
        return rig.registry.get(name).tags(MeterNames.TAG_ENDPOINT, "unix://" + socket(instance)).gauge().value();
    }

    private double instanceCounter(String name, String instance) {
        return rig.registry.get(name).tags(MeterNames.TAG_ENDPOINT, "unix://" + socket(instance)).counter().count();
    }

    private <T> T onLoop(Callable<T> task) {
        try {
            return loop.submit(task).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
