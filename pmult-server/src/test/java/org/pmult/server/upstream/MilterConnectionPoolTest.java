package org.pmult.server.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.server.config.ClientConnections;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.session.LegVerdict;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spare and reused Milter connections, against a scripted milter on a loopback port: each test is
 * a few SMTP sessions in a row on one event loop, and what the milter saw on which connection.
 */
class MilterConnectionPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration LONG = Duration.ofMinutes(5);

    private final MilterClientRig rig = new MilterClientRig(1);
    private final EventLoop loop = rig.group.next();
    private final SimpleMeterRegistry registry = rig.registry;
    private ScriptedMilter milter;
    private MilterClient client;

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void theNextSessionFindsItsConnectionAlreadyNegotiated() {
        milter = start(ScriptedMilter.builder());
        client = client(new ClientConnections(1, false, 16, LONG));

        session("first");
        await("the spare negotiated").atMost(WAIT).until(() -> milter.received(Command.OPTNEG).size() == 2);
        assertEquals(List.of(Command.OPTNEG), commandsOn(1), "the spare waits for a session");

        session("second");

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(0));
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(1),
                "the second session ran on the spare");
        await("a new spare").atMost(WAIT).until(() -> milter.connections() == 3);
        assertEquals(3.0, counter(MeterNames.MILTER_CONNECTIONS_OPENED));
        assertEquals(0.0, counter(MeterNames.MILTER_CONNECTIONS_REUSED), "a spare is no reuse");
        assertEquals(1.0, registry.get(MeterNames.MILTER_IDLE_CONNECTIONS).gauge().value());
    }

    @Test
    void withReuseTheNextSessionRunsOnTheSameConnectionAfterQuitNc() {
        milter = start(ScriptedMilter.builder());
        client = client(new ClientConnections(0, true, 16, LONG));

        session("first");
        await("kept after its probation").atMost(WAIT).until(() -> idleCount() == 1);
        session("second");
        session("third");

        assertEquals(1, milter.connections());
        assertEquals(1.0, counter(MeterNames.MILTER_CONNECTIONS_OPENED));
        assertEquals(2.0, counter(MeterNames.MILTER_CONNECTIONS_REUSED));
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT_NC, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT_NC, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT_NC), commandsOn(0));
    }

    @Test
    void aSessionEndedWhereLibmilterDropsQuitNcEndsWithQuit() {
        // end of message answered ACCEPT (as opendkim does): libmilter is back at HELO and ignores QUIT_NC
        milter = start(ScriptedMilter.builder()
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(MilterReply.ACCEPT)));
        client = client(new ClientConnections(0, true, 16, LONG));

        session("first");
        session("second");

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(0));
        assertEquals(2, milter.connections());
        assertEquals(0, milter.received(Command.QUIT_NC).size());
        assertEquals(0.0, counter(MeterNames.MILTER_CONNECTIONS_REUSED));
    }

    @Test
    void aKeptConnectionThatIgnoresConnectCostsTheSessionNothingAndEndsReuse() {
        // the milter drops the CONNECT after QUIT_NC (what libmilter does where it refuses QUIT_NC)
        milter = start(ScriptedMilter.builder().on(Command.CONNECT, (command, connection) ->
                connection == 0 && milter.received(Command.CONNECT).size() > 1
                        ? MilterScriptResponse.silent() : MilterScriptResponse.reply(MilterReply.CONTINUE)));
        client = rig.client(new ClientConnections(0, true, 16, LONG), Duration.ofMillis(600));
        session("first");
        await("kept after its probation").atMost(WAIT).until(() -> idleCount() == 1);

        assertEquals(LegVerdict.CONTINUE, session("second"), "served on a new connection");

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT_NC, Command.CONNECT), commandsOn(0));
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(1), "reuse is off once a kept connection went unanswered");
        assertEquals(0.0, defaultActions());
        assertEquals(0.0, registry.find(MeterNames.MILTER_FAILURES).counters().stream().mapToDouble(Counter::count).sum());
        assertEquals(false, client.reusesConnections());
    }

    @Test
    void aMilterThatHangsUpOnQuitNcGetsNoMoreOfThemAndEverySessionGoesOn() {
        milter = start(ScriptedMilter.builder().on(Command.QUIT_NC, (command, connection) -> MilterScriptResponse.close()));
        client = client(new ClientConnections(0, true, 16, LONG));

        session("first");
        await("the hang-up noticed").atMost(WAIT).until(() -> !client.reusesConnections());
        session("second");
        session("third");

        assertEquals(1, milter.received(Command.QUIT_NC).size(), "asked once");
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(1));
        assertEquals(0.0, defaultActions());
        assertEquals(0.0, registry.find(MeterNames.MILTER_FAILURES).counters().stream().mapToDouble(Counter::count).sum(),
                "the hang-up after QUIT_NC is no failure");
    }

    @Test
    void aSpareTheMilterClosedIsNotHandedOut() {
        // the second connection (the spare) is negotiated, then the milter hangs up on it
        milter = start(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> {
            MilterReply answer = new MilterReply.OptionNegotiation(MilterCodes.MAX_VERSION,
                    ((MilterCommand.OptionNegotiation) command).actions(), 0);
            return connection == 1 ? MilterScriptResponse.sequence(MilterScriptResponse.reply(answer),
                    MilterScriptResponse.close()) : MilterScriptResponse.reply(answer);
        }));
        client = client(new ClientConnections(1, false, 16, LONG));
        session("first");
        await("the spare negotiated").atMost(WAIT).until(() -> milter.received(Command.OPTNEG).size() == 2);

        assertEquals(LegVerdict.CONTINUE, session("second"));

        assertEquals(List.of(Command.OPTNEG), commandsOn(1));
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(2), "the second session connected anew");
        assertEquals(0.0, defaultActions());
    }

    @Test
    void aSpareTheMilterHangsUpOnWhileNegotiatingIsTriedAgainAndTheMilterStaysUp() {
        // connections 1 and 2 are the spare's v6 offer and its v2 fallback, both hung up on
        milter = start(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> connection == 1 || connection == 2
                ? MilterScriptResponse.close()
                : MilterScriptResponse.reply(new MilterReply.OptionNegotiation(MilterCodes.MAX_VERSION,
                        ((MilterCommand.OptionNegotiation) command).actions(), 0))));
        client = client(new ClientConnections(1, false, 16, LONG));

        session("first");
        await("the spare tried again").atMost(WAIT).until(() -> counter(MeterNames.MILTER_CONNECT_RETRIES) == 1.0);
        await("and negotiated").atMost(WAIT).until(() -> milter.received(Command.OPTNEG).size() >= 4);

        assertEquals(MilterClient.Health.UP, client.health(), "a spare's failed attempt does not mark the milter down");
        assertEquals(LegVerdict.CONTINUE, session("second"));
        assertEquals(3.0, counter(MeterNames.MILTER_CONNECTIONS_OPENED),
                "first, the spare (two attempts, one connection of the pool) and the next spare: second took the spare");
        assertEquals(0.0, defaultActions());
    }

    @Test
    void closingTheClientQuitsAConnectionStillOnItsFirstProbation() {
        milter = start(ScriptedMilter.builder());
        HeldProbation probation = new HeldProbation();
        client = rig.client(new ClientConnections(1, true, 16, LONG), Duration.ofSeconds(5), probation);
        session("first"); // ends with QUIT_NC: the kept connection waits out its probation, which never ends here
        await("the spare negotiated").atMost(WAIT).until(() -> milter.received(Command.OPTNEG).size() == 2);
        await("the kept connection on probation").atMost(WAIT).until(() -> probation.waiting() == 1);

        client.close();

        await("the spare and the kept connection quit").atMost(WAIT).until(() -> milter.received(Command.QUIT).size() == 2);
        assertTrue(client.reusesConnections(), "pmult's own QUIT is no refusal of SMFIC_QUIT_NC");
    }

    @Test
    void eventLoopsClosingAKeptConnectionAtShutdownIsNoRefusalOfReuse() {
        EventLoopGroup milterLoops = rig.transport.newEventLoopGroup(1, new DefaultThreadFactory("scripted-milter", true));
        try {
            milter = rig.start(ScriptedMilter.builder(), milterLoops);
            client = client(new ClientConnections(0, true, 16, LONG));
            session("first"); // ends with QUIT_NC: the connection is kept

            // as pmult stops: its event loops close every channel still open
            rig.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();

            assertTrue(client.reusesConnections(), "a connection pmult closed is no refusal of SMFIC_QUIT_NC");
        } finally {
            milter.close();
            milter = null;
            milterLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void keptConnectionsServeAgainOnlyOnceOneHasOutlivedItsQuitNc() {
        milter = start(ScriptedMilter.builder());
        HeldProbation probation = new HeldProbation();
        client = rig.client(new ClientConnections(0, true, 16, LONG), Duration.ofSeconds(5), probation);

        session("first");
        await("the first connection on probation").atMost(WAIT).until(() -> probation.waiting() == 1);
        session("second"); // the first connection is still on probation: the second quits

        assertEquals(2, milter.connections());
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(1), "one connection at a time tries QUIT_NC until one has outlived it");
        assertEquals(0, idleCount(), "a connection on probation serves no session");
        probation.end();
        await("the first kept").atMost(WAIT).until(() -> idleCount() == 1);
        session("third");
        session("fourth");
        session("fifth");
        assertEquals(2, milter.connections(), "once confirmed, kept connections serve at once");
        assertEquals(4, milter.received(Command.QUIT_NC).size());
    }

    @Test
    void untilReuseIsConfirmedOneSessionAtATimeTriesQuitNc() {
        // a milter that refuses QUIT_NC (GNU mailfromd logs an error and hangs up) sees it once
        milter = start(ScriptedMilter.builder().on(Command.QUIT_NC, (command, connection) -> MilterScriptResponse.close()));
        client = client(new ClientConnections(0, true, 16, LONG));
        List<SessionLeg> legs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            legs.add(openSession("parallel-" + i));
        }

        for (SessionLeg leg : legs) {
            onLoop(() -> {
                leg.close();
                return null;
            });
        }

        await("all three ended").atMost(WAIT).until(() -> sessionEnds() == 3);
        await("the hang-up noticed").atMost(WAIT).until(() -> !client.reusesConnections());
        assertEquals(1, milter.received(Command.QUIT_NC).size(), "one on trial, the others quit");
        assertEquals(2, milter.received(Command.QUIT).size());
        session("after");
        assertEquals(1, milter.received(Command.QUIT_NC).size(), "not asked again");
        assertEquals(0.0, defaultActions());
    }

    @Test
    void aSessionWhoseIdleConnectionClosesAsItStartsConnectsAnew() {
        // the milter hangs up on the spare (connection 1) when the second session's CONNECT arrives
        milter = start(ScriptedMilter.builder().on(Command.CONNECT, (command, connection) ->
                connection == 1 ? MilterScriptResponse.close() : MilterScriptResponse.reply(MilterReply.CONTINUE)));
        client = client(new ClientConnections(1, false, 16, LONG));
        session("first");
        await("the spare negotiated").atMost(WAIT).until(() -> milter.received(Command.OPTNEG).size() == 2);

        assertEquals(LegVerdict.CONTINUE, session("second"));

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT), commandsOn(1));
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(3), "the session's new connection (2 is the next spare)");
        assertEquals(0.0, defaultActions());
    }

    @Test
    void anIdleConnectionIsClosedWithQuitAfterTheIdleTimeoutAndNotReplaced() {
        milter = start(ScriptedMilter.builder());
        client = client(new ClientConnections(1, false, 16, Duration.ofMillis(300)));

        session("first");

        await("the spare closed").atMost(WAIT).until(() -> commandsOn(1).equals(List.of(Command.OPTNEG, Command.QUIT)));
        assertEquals(2, milter.connections(), "an idle pmult holds no connections");
        assertEquals(0, idleCount());
    }

    @Test
    void closingTheClientQuitsItsIdleConnections() {
        milter = start(ScriptedMilter.builder());
        client = client(new ClientConnections(1, true, 16, LONG));
        session("first");
        await("kept and spare").atMost(WAIT).until(() -> idleCount() == 2);

        client.close();

        await("both quit").atMost(WAIT).until(() -> milter.received(Command.QUIT).size() == 2);
        assertEquals(0, idleCount());
        assertEquals(0.0, registry.get(MeterNames.MILTER_IDLE_CONNECTIONS).gauge().value());
    }

    @Test
    void keepsNoMoreIdleConnectionsThanMaxIdle() {
        milter = start(ScriptedMilter.builder());
        client = client(new ClientConnections(0, true, 1, LONG));
        List<SessionLeg> legs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            legs.add(openSession("parallel-" + i));
        }

        for (SessionLeg leg : legs) {
            onLoop(() -> {
                leg.close();
                return null;
            });
        }

        await("two of three quit").atMost(WAIT).until(() -> milter.received(Command.QUIT).size() == 2);
        assertEquals(1, milter.received(Command.QUIT_NC).size());
        await("one kept after its probation").atMost(WAIT).until(() -> idleCount() == 1);
    }

    @Test
    void withoutSparesOrReuseEachSessionHasItsOwnConnection() {
        milter = start(ScriptedMilter.builder());
        client = client(new ClientConnections(0, false, 16, LONG));

        session("first");
        session("second");

        assertEquals(2, milter.connections());
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.BODYEOB,
                Command.QUIT), commandsOn(1));
        assertEquals(0, idleCount());
    }

    // ---------------------------------------------------------------- helpers

    /** One SMTP session (CONNECT, HELO, one message, end) on the test's event loop; its CONNECT verdict. */
    private LegVerdict session(String name) {
        int ends = sessionEnds();
        SessionLeg leg = openSession(name);
        onLoop(() -> {
            leg.close();
            return null;
        });
        // At least: an idle connection timing out may quit too before a loaded machine polls again.
        await("session " + name + " ended").atMost(WAIT).until(() -> sessionEnds() >= ends + 1);
        return connectVerdict;
    }

    /** QUIT and QUIT_NC commands received so far. */
    private int sessionEnds() {
        return milter.received(Command.QUIT).size() + milter.received(Command.QUIT_NC).size();
    }

    private LegVerdict connectVerdict;

    private SessionLeg openSession(String name) {
        SessionLeg leg = new SessionLeg(MilterFarm.of(client, rig.metrics), loop);
        connectVerdict = onLoop(() -> leg.connect(MilterMacros.EMPTY, name + ".example", InetAddress.getLoopbackAddress(), 25))
                .toCompletableFuture().join();
        assertEquals(LegVerdict.CONTINUE, onLoop(() -> leg.helo(MilterMacros.EMPTY, name)).toCompletableFuture().join());
        onLoop(() -> leg.mail(MilterMacros.EMPTY, "<a@" + name + ".example>", null)).toCompletableFuture().join();
        onLoop(() -> leg.rcpt(MilterMacros.EMPTY, "<b@" + name + ".example>", null)).toCompletableFuture().join();
        onLoop(() -> leg.endOfMessage(MilterMacros.EMPTY)).toCompletableFuture().join();
        return leg;
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) {
        try {
            return loop.submit(task).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private List<Command> commandsOn(int connection) {
        List<Command> commands = new ArrayList<>();
        for (ScriptedMilter.Received received : milter.receivedWithConnections()) {
            if (received.connection() == connection && received.command().command() != Command.MACRO) {
                commands.add(received.command().command());
            }
        }
        return commands;
    }

    private int idleCount() {
        return onLoop(() -> client.idleConnections(loop));
    }

    private double counter(String name) {
        return registry.get(name).tag(MeterNames.TAG_CLIENT, "mfd").counter().count();
    }

    private double defaultActions() {
        return registry.find(MeterNames.MILTER_DEFAULT_ACTIONS).counters().stream().mapToDouble(Counter::count).sum();
    }

    private ScriptedMilter start(ScriptedMilter.Builder builder) {
        return rig.start(builder);
    }

    private MilterClient client(ClientConnections connections) {
        return rig.client(connections, Duration.ofSeconds(5));
    }
}
