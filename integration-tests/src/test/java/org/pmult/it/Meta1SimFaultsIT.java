package org.pmult.it;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.server.transport.Transports;
import org.pmult.sim.engine.CommandResult;
import org.pmult.sim.engine.Meta1Replies;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.PmilterFailure;
import org.pmult.sim.engine.ReplySource;
import org.pmult.sim.engine.RunOptions;
import org.pmult.sim.engine.SessionEnd;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.engine.SimulationReport;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.it.SimRuns.assertFromPmult;
import static org.pmult.it.SimRuns.dotModifications;
import static org.pmult.it.SimRuns.transcript;

/**
 * What MeTA1 sees when something breaks, played through the simulator into pmult and the real GNU
 * mailfromd ({@code mfl/pmult-sim.mfl}), with a scripted milter as the one that misbehaves: mailfromd
 * killed in the middle of a command and started again; a milter that never answers, with pmult's read
 * timeout shorter than MeTA1's (pmult's default action) and longer (MeTA1's own §10.9 rule for each
 * {@code policy_milter} flag); and MeTA1 dropping its connection in the middle of a message. After each,
 * pmult must still give real verdicts and hold no session.
 */
class Meta1SimFaultsIT {

    private static final String FILTER = "/mfl/pmult-sim.mfl";
    /** MeTA1's timeout where it must never apply: far above every pmult timeout in play. */
    private static final Duration PATIENT_META1 = Duration.ofSeconds(30);
    /** MeTA1's timeout where it must apply before pmult's read timeout (30 s there). */
    private static final Duration IMPATIENT_META1 = Duration.ofSeconds(2);
    private static final String HANG = "<hang@sim.example>";

    private static MailfromdPeer mailfromd;
    private static EventLoopGroup scriptedLoops;
    private static final AtomicInteger SESSION_NUMBER = new AtomicInteger();

    @TempDir
    Path dir;

    @BeforeAll
    static void startMailfromd() {
        mailfromd = MailfromdPeer.start(Transport.INET, FILTER);
        scriptedLoops = Transports.best().newEventLoopGroup(1, new DefaultThreadFactory("it-scripted", true));
    }

    @AfterAll
    static void stopMailfromd() {
        Teardown.closeInOrder(mailfromd,
                scriptedLoops == null ? null : () -> scriptedLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
    }

    // ---- mailfromd killed mid-session -------------------------------------------------------------

    @Test
    void mailfromdKilledMidCommandGivesTheDefaultActionUntilItIsBackOnTheSameSocket() {
        MailfromdPeer own = MailfromdPeer.start(Transport.INET, FILTER);
        MailfromdPeer restarted = null;
        String config = """
                listen inet://127.0.0.1:%d;
                reconnect { initial 1 second; max 1 second; }
                client mfd {
                  url %s;
                  connect-timeout 2 seconds;
                  read-timeout 20 seconds;
                  default-action tempfail;
                }
                """.formatted(PmultHarness.freeLoopbackPort(), own.socketSpec());
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config);
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, PATIENT_META1)) {
            // mailfromd sleeps 10 s on this recipient: pmult is waiting for its reply when it dies
            CompletableFuture<SimulationReport> inFlight = simulator.run(Scenario.of(script("killed-mid-rcpt")
                    .rcpt("<slow@sim.example>").rcpt("<bob@sim.example>").data().message(message("x")).dot().build()),
                    RunOptions.SEQUENTIAL);
            await("mailfromd working on the slow recipient").atMost(Duration.ofSeconds(10))
                    .until(() -> own.echoLines().stream().anyMatch(l -> l.startsWith("SIM killed-mid-rcpt rcpt ")
                            && l.contains("slow@sim.example")));
            killWithItsChildren(own);

            SessionResult killed = SimRuns.await(inFlight).session("killed-mid-rcpt");
            CommandResult slow = assertFromPmult(killed, "rcpt <slow@sim.example>", ReplyCode.TEMPFAIL,
                    ReplyCode.TEMPFAIL.defaultText());
            assertTrue(slow.latency().compareTo(Duration.ofSeconds(10)) < 0,
                    () -> "the default action came from the lost connection, not a late reply\n" + transcript(killed));
            // the leg failed: every later command of the session gets the default action too
            assertFromPmult(killed, "rcpt <bob@sim.example>", ReplyCode.TEMPFAIL, ReplyCode.TEMPFAIL.defaultText());
            assertEquals(Meta1Replies.NO_VALID_RECIPIENTS, killed.byRequest("data").text(), () -> transcript(killed));
            assertEquals(ReplySource.SMTP, killed.byRequest("data").source(), () -> transcript(killed));

            // a session that cannot connect within connect-timeout gets the default action at CONNECT
            SessionResult unreachable = SimRuns.playOne(simulator, script("unreachable").rcpt("<bob@sim.example>").build());
            assertEquals(ReplyCode.TEMPFAIL, unreachable.commands().get(0).code(), () -> transcript(unreachable));
            assertEquals(ReplySource.PMILTER, unreachable.commands().get(0).source(), () -> transcript(unreachable));
            assertEquals(SessionEnd.REFUSED_AT_CONNECT, unreachable.end(), () -> transcript(unreachable));
            // connecting has kept failing for 5 s: mfd is down, and new sessions get the default action at once
            await("mfd marked down").atMost(Duration.ofSeconds(15))
                    .until(() -> pmult.scrape().value("pmult_milter_up", "client", "mfd") == 0.0);
            SessionResult whileDown = SimRuns.playOne(simulator, script("while-down").rcpt("<bob@sim.example>").build());
            assertEquals(ReplyCode.TEMPFAIL, whileDown.commands().get(0).code(), () -> transcript(whileDown));
            assertEquals(SessionEnd.REFUSED_AT_CONNECT, whileDown.end(), () -> transcript(whileDown));
            assertTrue(whileDown.commands().get(0).latency().compareTo(Duration.ofSeconds(1)) < 0,
                    () -> "no waiting for connect-timeout while down\n" + transcript(whileDown));
            MetricsSnapshot down = pmult.scrape();
            assertTrue(down.value("pmult_milter_failures_total", "client", "mfd", "kind", "closed") >= 1, down::text);

            restarted = own.restart();
            AtomicReference<SessionResult> back = new AtomicReference<>();
            await("pmult reconnected to mailfromd").atMost(Duration.ofSeconds(20)).until(() -> {
                String name = "after-restart-" + SESSION_NUMBER.incrementAndGet();
                SessionResult session = SimRuns.playOne(simulator, script(name).rcpt("<blocked@sim.example>")
                        .rcpt("<bob@sim.example>").data().message(message("back")).dot().build());
                back.set(session);
                // refused at CONNECT while mailfromd is still down; mailfromd's own refusal once it is back
                return session.commands().stream().anyMatch(c -> c.request().equals("rcpt <blocked@sim.example>")
                        && c.code() == ReplyCode.REJECT);
            });
            SessionResult session = back.get();
            assertFromPmult(session, "rcpt <blocked@sim.example>", ReplyCode.REJECT,
                    "550 5.1.1 Recipient blocked@sim.example rejected by pmult-sim");
            assertEquals("+header X-Pmult-Macros: i=<" + session.seid() + "> mail_addr=<alice@sim.example> rcpts=<1>"
                    + " subject=<back>", dotModifications(session).get(1), () -> transcript(session));
            assertEquals(1, simulator.connectionCount(), "MeTA1's connection to pmult never broke");
            MetricsSnapshot up = pmult.scrape();
            assertTrue(up.value("pmult_milter_reconnects_total", "client", "mfd") >= 1, up::text);
            assertEquals(1.0, up.value("pmult_milter_up", "client", "mfd"), up::text);
        } finally {
            (restarted != null ? restarted : own).close();
        }
    }

    @Test
    void mailfromdKilledBetweenCommandsGivesTheDefaultActionAtTheNextStage() {
        // the scripted (second) client holds RCPT for 3 s, long after mailfromd has answered it
        try (MailfromdPeer own = MailfromdPeer.start(Transport.INET, FILTER);
             ScriptedMilter slowRcpt = ScriptedMilter.builder()
                     .on(Command.RCPT, (command, connection) -> MilterScriptResponse.sequence(
                             MilterScriptResponse.pause(Duration.ofSeconds(3)), MilterScriptResponse.reply(MilterReply.CONTINUE)))
                     .start(Transports.best().serverBootstrap(scriptedLoops, scriptedLoops, new InetSocketAddress(0)),
                             new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", """
                     listen inet://127.0.0.1:%d;
                     client mfd {
                       url %s;
                       read-timeout 20 seconds;
                       default-action tempfail;
                     }
                     client slow {
                       url inet:%d@127.0.0.1;
                       read-timeout 20 seconds;
                     }
                     """.formatted(PmultHarness.freeLoopbackPort(), own.socketSpec(),
                     ((InetSocketAddress) slowRcpt.localAddress()).getPort()));
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, PATIENT_META1)) {
            CompletableFuture<SimulationReport> inFlight = simulator.run(Scenario.of(script("killed-between")
                    .rcpt("<bob@sim.example>").data().message(message("x")).dot().build()), RunOptions.SEQUENTIAL);
            await("mailfromd answered RCPT").atMost(Duration.ofSeconds(10)).until(() -> pmult.scrape()
                    .value("pmult_milter_reply_latency_seconds_count", "client", "mfd", "stage", "rcpt") == 1.0);
            assertFalse(inFlight.isDone(), "the scripted client still holds RCPT");
            killWithItsChildren(own);

            SessionResult killed = SimRuns.await(inFlight).session("killed-between");
            assertFromPmult(killed, "rcpt <bob@sim.example>", ReplyCode.CONTINUE, null);
            assertFromPmult(killed, "data", ReplyCode.TEMPFAIL, ReplyCode.TEMPFAIL.defaultText());
            assertEquals(ReplySource.SMTP, killed.byRequest("dot").source(), "no transaction after a refused DATA");
            pmult.awaitNoLiveSessions();
        }
    }

    // ---- a milter that never answers ---------------------------------------------------------------

    @ParameterizedTest(name = "default-action {0}")
    @ValueSource(strings = {"tempfail", "reject"})
    void pmultsReadTimeoutAnswersWithTheDefaultActionBeforeMeta1GivesUp(String defaultAction) {
        ReplyCode expected = defaultAction.equals("tempfail") ? ReplyCode.TEMPFAIL : ReplyCode.REJECT;
        try (ScriptedMilter silent = silentOn(HANG);
             PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", twoClients(silent, "read-timeout 1 second;", defaultAction));
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, PATIENT_META1)) {
            SessionResult hung = SimRuns.playOne(simulator, script("read-timeout").rcpt(HANG).rcpt("<bob@sim.example>")
                    .build());

            CommandResult timedOut = assertFromPmult(hung, "rcpt " + HANG, expected, expected.defaultText());
            assertTrue(timedOut.latency().compareTo(Duration.ofMillis(900)) >= 0,
                    () -> "answered before pmult's 1 s read timeout\n" + transcript(hung));
            assertTrue(timedOut.latency().compareTo(Duration.ofSeconds(10)) < 0, () -> transcript(hung));
            // the silent milter's leg stays failed for the rest of the session
            assertFromPmult(hung, "rcpt <bob@sim.example>", expected, expected.defaultText());

            SessionResult next = SimRuns.playOne(simulator, normalSession("after-read-timeout"));
            assertRealVerdicts(next);
            assertEquals(1, simulator.connectionCount(), "MeTA1 never had to reconnect");
            MetricsSnapshot metrics = pmult.scrape();
            assertEquals(1.0, metrics.value("pmult_milter_timeouts_total", "client", "silent", "stage", "rcpt"),
                    metrics::text);
            pmult.awaitNoLiveSessions();
        }
    }

    @Test
    void pmultsEomTimeoutAnswersTheDotBeforeMeta1GivesUp() {
        try (ScriptedMilter silentAtEom = ScriptedMilter.builder()
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.silent())
                .start(Transports.best().serverBootstrap(scriptedLoops, scriptedLoops, new InetSocketAddress(0)),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             PmultHarness pmult = PmultHarness.start(dir, "pmult.conf",
                     twoClients(silentAtEom, "read-timeout 20 seconds; eom-timeout 1 second;", "tempfail"));
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, PATIENT_META1)) {
            SessionResult hung = SimRuns.playOne(simulator, script("eom-timeout").rcpt("<bob@sim.example>").data()
                    .message(message("eom")).dot().build());

            CommandResult dot = assertFromPmult(hung, "dot", ReplyCode.TEMPFAIL, ReplyCode.TEMPFAIL.defaultText());
            assertTrue(dot.latency().compareTo(Duration.ofMillis(900)) >= 0, () -> transcript(hung));
            assertTrue(dot.latency().compareTo(Duration.ofSeconds(10)) < 0, () -> transcript(hung));
            assertEquals(List.of(), dotModifications(hung), "a refused message carries no changes");
            MetricsSnapshot metrics = pmult.scrape();
            assertEquals(1.0, metrics.value("pmult_milter_timeouts_total", "client", "silent", "stage", "eom"),
                    metrics::text);
            pmult.awaitNoLiveSessions();
        }
    }

    @ParameterizedTest(name = "flags {0}")
    @EnumSource(FailurePolicy.class)
    void meta1sOwnTimeoutRuleAppliesWhenPmultWaitsLongerAndPmultStaysHealthy(FailurePolicy policy) {
        try (ScriptedMilter silent = silentOn(HANG);
             PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", twoClients(silent, "read-timeout 30 seconds;", "tempfail"));
             Meta1Simulator simulator = SimRuns.simulator(pmult, policy, IMPATIENT_META1)) {
            SessionScript hanging = script("hangs").rcpt(HANG).rcpt("<bob@sim.example>").data().message(message("hung"))
                    .dot().build();
            SimulationReport report = SimRuns.await(simulator.run(Scenario.of(hanging, normalSession("next")),
                    RunOptions.SEQUENTIAL));
            SessionResult hung = report.session("hangs");

            CommandResult timedOut = hung.byRequest("rcpt " + HANG);
            assertTrue(timedOut.synthesized(), () -> transcript(hung));
            assertEquals(PmilterFailure.TIMEOUT, timedOut.failure(), () -> transcript(hung));
            switch (policy) {
                case ABORT -> {
                    assertEquals(ReplyCode.SHUTDOWN, timedOut.code(), () -> transcript(hung));
                    assertEquals(Meta1Replies.FAILURE_ABORT, timedOut.text());
                    assertEquals(SessionEnd.ABORTED_BY_FAILURE_POLICY, hung.end(), () -> transcript(hung));
                    assertEquals(timedOut, hung.commands().get(hung.commands().size() - 1), () -> transcript(hung));
                }
                case ACCEPT_BUT_RECONNECT -> {
                    assertEquals(ReplyCode.CONTINUE, timedOut.code(), () -> transcript(hung));
                    for (String request : List.of("rcpt <bob@sim.example>", "data", "dot")) {
                        assertEquals(ReplySource.UNFILTERED, hung.byRequest(request).source(), () -> transcript(hung));
                        assertEquals(ReplyCode.CONTINUE, hung.byRequest(request).code(), () -> transcript(hung));
                    }
                    assertEquals(List.of(), dotModifications(hung), () -> transcript(hung));
                    assertEquals(SessionEnd.COMPLETED, hung.end(), () -> transcript(hung));
                }
                case TEMPFAIL -> {
                    assertEquals(ReplyCode.TEMPFAIL, timedOut.code(), () -> transcript(hung));
                    assertEquals(Meta1Replies.FAILURE_TEMPFAIL, timedOut.text());
                    // the next command goes over a fresh connection, where pmult filters the session again
                    CommandResult bob = assertFromPmult(hung, "rcpt <bob@sim.example>", ReplyCode.CONTINUE, null);
                    assertTrue(bob.resynchronised(), () -> transcript(hung));
                    assertEquals("+header X-Pmult-Macros: i=<hangs> mail_addr=<alice@sim.example> rcpts=<1>"
                            + " subject=<hung>", dotModifications(hung).get(1), () -> transcript(hung));
                    assertEquals(SessionEnd.COMPLETED, hung.end(), () -> transcript(hung));
                }
            }
            assertRealVerdicts(report.session("next"));
            assertEquals(2, simulator.connectionCount(), "MeTA1 dropped the connection once and reconnected once");
            pmult.awaitNoLiveSessions();
        }
    }

    // ---- MeTA1 disconnecting mid-message -----------------------------------------------------------

    @Test
    void meta1DroppingItsConnectionMidMessageReleasesTheMilterSessionsAndSparesOtherConnections() {
        // the scripted milter takes 3 s over body chunks that say PAUSE, so both sessions are mid-message at once
        try (ScriptedMilter slowBody = ScriptedMilter.builder()
                .on(Command.BODY, (command, connection) -> bodyText(command).contains("PAUSE")
                        ? MilterScriptResponse.sequence(MilterScriptResponse.pause(Duration.ofSeconds(3)),
                                MilterScriptResponse.reply(MilterReply.CONTINUE))
                        : MilterScriptResponse.reply(MilterReply.CONTINUE))
                .start(Transports.best().serverBootstrap(scriptedLoops, scriptedLoops, new InetSocketAddress(0)),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", twoClients(slowBody, "read-timeout 20 seconds;", "tempfail"));
             Meta1Simulator dropping = SimRuns.simulator(pmult, FailurePolicy.ABORT, PATIENT_META1);
             Meta1Simulator staying = SimRuns.simulator(pmult, FailurePolicy.ABORT, PATIENT_META1)) {
            CompletableFuture<SimulationReport> kept = staying.run(Scenario.of(script("stays").rcpt("<bob@sim.example>")
                    .data().message(SimRuns.message("stays", "PAUSE stays")).dot().build()), RunOptions.SEQUENTIAL);
            dropping.run(Scenario.of(script("drops").rcpt("<bob@sim.example>").data()
                    .message(SimRuns.message("drops", "PAUSE drops")).dot().build()), RunOptions.SEQUENTIAL);
            await("both sessions mid-message").atMost(Duration.ofSeconds(10))
                    .until(() -> slowBody.received(Command.BODY).size() == 2);
            int dropsConnection = connectionWithBody(slowBody, "PAUSE drops");
            assertFalse(kept.isDone(), "the other session is still in flight");

            dropping.close();

            // pmult ends both Milter sessions of the dropped SMTP session
            await("mailfromd's session for 'drops' ended").atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertTrue(mailfromd.echoLines().contains("SIM drops end"), mailfromd::log));
            await("the scripted milter got QUIT for 'drops'").atMost(Duration.ofSeconds(10))
                    .until(() -> slowBody.receivedWithConnections().stream().anyMatch(r -> r.connection() == dropsConnection
                            && r.command().command() == Command.QUIT));
            // the session on the other connection finishes with real verdicts, its connection untouched
            SessionResult stays = SimRuns.await(kept).session("stays");
            assertFromPmult(stays, "dot", ReplyCode.CONTINUE, null);
            assertEquals("+header X-Pmult-Macros: i=<stays> mail_addr=<alice@sim.example> rcpts=<1> subject=<stays>",
                    dotModifications(stays).get(1), () -> transcript(stays));
            assertEquals(1, staying.connectionCount());
            await("mailfromd's session for 'stays' ended after its CLOSE").atMost(Duration.ofSeconds(10))
                    .until(() -> mailfromd.echoLines().contains("SIM stays end"));
            pmult.awaitNoLiveSessions();
            assertEquals(0.0, pmult.scrape().value("pmult_sessions_active"));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /**
     * SIGKILL to mailfromd and every child it forked (one per Milter connection): a crash. A plain
     * SIGTERM would not do, because mailfromd's children finish the sessions they are serving.
     */
    private static void killWithItsChildren(MailfromdPeer peer) {
        ProcessHandle parent = ProcessHandle.of(peer.pid())
                .orElseThrow(() -> new AssertionError("mailfromd is not running: " + peer));
        List<ProcessHandle> family = new ArrayList<>(parent.descendants().toList());
        family.add(parent);
        family.forEach(ProcessHandle::destroyForcibly);
        await("mailfromd and its children gone").atMost(Duration.ofSeconds(10))
                .until(() -> family.stream().noneMatch(ProcessHandle::isAlive));
    }

    /** A scripted milter that never answers RCPT for {@code recipient} and says CONTINUE to everything else. */
    private static ScriptedMilter silentOn(String recipient) {
        return ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> ((MilterCommand.Rcpt) command).recipient().equals(recipient)
                        ? MilterScriptResponse.silent() : MilterScriptResponse.reply(MilterReply.CONTINUE))
                .start(Transports.best().serverBootstrap(scriptedLoops, scriptedLoops, new InetSocketAddress(0)),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** mailfromd first, then the scripted milter named "silent" with these timeout statements and default action. */
    private static String twoClients(ScriptedMilter scripted, String timeouts, String defaultAction) {
        return """
                listen inet://127.0.0.1:%d;
                client mfd {
                  url %s;
                  read-timeout 20 seconds;
                }
                client silent {
                  url inet:%d@127.0.0.1;
                  %s
                  default-action %s;
                }
                """.formatted(PmultHarness.freeLoopbackPort(), mailfromd.socketSpec(),
                ((InetSocketAddress) scripted.localAddress()).getPort(), timeouts, defaultAction);
    }

    /** A session up to and including MAIL: client, EHLO, sender alice; the caller adds the rest. */
    private static SessionScript.Builder script(String name) {
        return SessionScript.builder(name).client(InetAddress.getLoopbackAddress(), 40001, "client.sim.example")
                .ehlo("client.sim.example").mail("<alice@sim.example>");
    }

    private static String message(String subject) {
        return SimRuns.message(subject, "Hello Bob.");
    }

    private static SessionScript normalSession(String name) {
        return script(name).rcpt("<blocked@sim.example>").rcpt("<bob@sim.example>").data().message(message("normal"))
                .dot().build();
    }

    /** The session got mailfromd's real verdicts from pmult, none made up by MeTA1's failure rule. */
    private static void assertRealVerdicts(SessionResult session) {
        assertFromPmult(session, "rcpt <blocked@sim.example>", ReplyCode.REJECT,
                "550 5.1.1 Recipient blocked@sim.example rejected by pmult-sim");
        assertFromPmult(session, "rcpt <bob@sim.example>", ReplyCode.CONTINUE, null);
        assertFromPmult(session, "dot", ReplyCode.CONTINUE, null);
        assertEquals(List.of("+header X-Pmult-Sim: passed", "+header X-Pmult-Macros: i=<" + session.seid()
                + "> mail_addr=<alice@sim.example> rcpts=<1> subject=<normal>"), dotModifications(session),
                () -> transcript(session));
        assertTrue(session.synthesized().isEmpty(), () -> transcript(session));
        assertEquals(SessionEnd.COMPLETED, session.end(), () -> transcript(session));
    }

    private static String bodyText(MilterCommand command) {
        return ((MilterCommand.Body) command).content().toString(StandardCharsets.US_ASCII);
    }

    private static int connectionWithBody(ScriptedMilter milter, String marker) {
        return milter.receivedWithConnections().stream()
                .filter(r -> r.command() instanceof MilterCommand.Body body
                        && new String(ByteBufUtil.getBytes(body.content()), StandardCharsets.US_ASCII).contains(marker))
                .mapToInt(ScriptedMilter.Received::connection).findFirst()
                .orElseThrow(() -> new AssertionError("no body chunk with " + marker));
    }
}
