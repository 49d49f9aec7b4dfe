package org.pmult.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.server.testing.ClosedAtEnd;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.client.PmilterClientSettings;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.transport.Transports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pmult as a whole, in-process over unix sockets: reload, graceful shutdown, socket files. */
class PmultServerTest {

    @TempDir
    Path dir;

    private final EventLoopGroup group = Transports.NIO.newEventLoopGroup(1, new DefaultThreadFactory("test", true));
    private final ClosedAtEnd closing = new ClosedAtEnd();

    @AfterEach
    void tearDown() throws Exception {
        closing.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void reloadSwapsClientsForNewSessionsWhileASessionInFlightKeepsItsOwn() throws Exception {
        ScriptedMilter first = rejectingMail("first");
        ScriptedMilter second = rejectingMail("second");
        PmultServer server = start(configWith("a", first));
        PmilterClientConnection meta1 = meta1(server);
        // MeTA1 opens S1 while client "a" is configured
        assertEquals(ReplyCode.CONTINUE, meta1.send(connect("S1")).join().code());
        // the administrator swaps the client and sends SIGHUP
        server.reload(configWith("b", second));
        // S1 goes on with the milter it started with
        assertEquals("550 5.7.1 rejected by first", meta1.send(mail("S1")).join().text());
        // a new session gets the new client
        meta1.send(connect("S2")).join();
        assertEquals("550 5.7.1 rejected by second", meta1.send(mail("S2")).join().text());
        assertEquals(1, first.received(Command.MAIL).size());
        assertEquals(1, second.received(Command.MAIL).size());
    }

    @Test
    void reloadSwitchesAClientBetweenEnforcingAndEvaluationWithoutDroppingSessionsOrTheClient() throws Exception {
        ScriptedMilter milter = rejectingMail("trial");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PmultServer server = PmultServer.start(configWith("trial", milter), new PmultMetrics(registry));
        closing.add(() -> server.shutdown(Duration.ZERO));
        Object client = server.upstreams().clients().get(0);
        PmilterClientConnection meta1 = meta1(server);
        // S1 starts while "trial" enforces
        meta1.send(connect("S1")).join();
        // the administrator puts "trial" into evaluation mode and sends SIGHUP
        server.reload(config("listen unix://" + dir.resolve("pmult.sock") + ";\n"
                + "client trial { url unix://" + milter.localAddress() + "; read-timeout 5 seconds; evaluation-mode yes; }\n"));
        assertTrue(client == server.upstreams().clients().get(0), "the client, its health and connections are kept");
        // S1 goes on as it started: trial's reject applies
        assertEquals(ReplyCode.REJECT, meta1.send(mail("S1")).join().code());
        // S2 starts in evaluation mode: trial still rejects, MeTA1 gets continue, the reject is counted
        meta1.send(connect("S2")).join();
        assertEquals(ReplyCode.CONTINUE, meta1.send(mail("S2")).join().code());
        assertEquals(2, milter.received(Command.MAIL).size());
        assertEquals(1.0, registry.get(MeterNames.EVALUATION_VERDICTS).tags("client", "trial", "stage", "mail",
                "action", "reject").counter().count());
        // and back to enforcing: the evaluation series go away
        server.reload(configWith("trial", milter));
        meta1.send(connect("S3")).join();
        assertEquals(ReplyCode.REJECT, meta1.send(mail("S3")).join().code());
        assertTrue(registry.find(MeterNames.EVALUATION_VERDICTS).counters().isEmpty());
    }

    @Test
    void shutdownStopsListeningAtOnceAndWaitsForLiveSessionsWithinTheGracePeriod() throws Exception {
        Path socket = dir.resolve("pmult.sock");
        PmultServer server = start(config("listen unix://" + socket + ";\n"));
        PmilterClientConnection meta1 = meta1(server);
        meta1.send(connect("S1")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.liveSessions() == 1);
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.shutdown(Duration.ofSeconds(30)));
        // no new MeTA1 connections, and the socket file is gone
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(socket));
        assertFalse(stopped.isDone(), "shutdown waits while S1 is live");
        // S1 ends normally; shutdown completes well before the grace period
        meta1.send(new PmilterRequest.Close("S1")).join();
        stopped.get(10, TimeUnit.SECONDS);
        assertEquals(0, server.liveSessions());
    }

    @Test
    void shutdownClosesSessionsStillLiveAfterTheGracePeriod() throws Exception {
        PmultServer server = start(config("listen unix://" + dir.resolve("pmult.sock") + ";\n"));
        PmilterClientConnection meta1 = meta1(server);
        meta1.send(connect("S1")).join();
        server.shutdown(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(5)).until(() -> !meta1.isActive());
        assertEquals(0, server.liveSessions());
    }

    @Test
    void refusesToStartOnASocketAnotherProcessIsListeningOn() throws Exception {
        Path socket = dir.resolve("pmult.sock");
        start(config("listen unix://" + socket + ";\n"));
        IOException refused = assertThrows(IOException.class,
                () -> PmultServer.start(config("listen unix://" + socket + ";\n"), metrics()));
        assertTrue(refused.getMessage().contains("another process is listening there"), refused.getMessage());
    }

    @Test
    void replacesAStaleSocketFileAndRefusesAPathThatIsNoSocket() throws Exception {
        Path socket = dir.resolve("stale.sock");
        // what a crashed pmult leaves: a socket file nobody listens on
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "the stale socket file is there");
        PmultServer restarted = start(config("listen unix://" + socket + ";\n"));
        assertEquals(ReplyCode.CONTINUE, meta1(restarted).send(connect("S1")).join().code());

        Path regular = Files.writeString(dir.resolve("not-a-socket"), "data", StandardCharsets.US_ASCII);
        IOException refused = assertThrows(IOException.class,
                () -> PmultServer.start(config("listen unix://" + regular + ";\n"), metrics()));
        assertTrue(refused.getMessage().contains("is not a socket"), refused.getMessage());
        assertEquals("data", Files.readString(regular), "never deletes what is not a socket");
    }

    @Test
    void writesThePidfileAndRemovesItOnlyIfItIsStillOurs() throws Exception {
        Path pidfile = dir.resolve("pmult.pid");
        PidFile written = PidFile.write(pidfile);
        assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(pidfile).trim());
        written.close();
        assertFalse(Files.exists(pidfile));
        PidFile overwritten = PidFile.write(pidfile);
        Files.writeString(pidfile, "1\n");
        overwritten.close();
        assertEquals("1", Files.readString(pidfile).trim(), "another process's pidfile is left alone");
    }

    @Test
    void reloadAddsAConditionToAClientInEvaluationModeWithoutDroppingItsConnectionsAndDropsItsSeriesWhenRemoved()
            throws Exception {
        ScriptedMilter milter = rejectingMail("cond");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PmultServer server = PmultServer.start(configWith("cond", milter), new PmultMetrics(registry));
        closing.add(() -> server.shutdown(Duration.ZERO));
        Object client = server.upstreams().clients().get(0);
        PmilterClientConnection meta1 = meta1(server);
        // the administrator lets "cond" evaluate mail only from outside 192.0.2.0/24, and sends SIGHUP
        server.reload(config("listen unix://" + dir.resolve("pmult.sock") + ";\n"
                + "client cond { url unix://" + milter.localAddress() + "; read-timeout 5 seconds; evaluation-mode yes;"
                + " condition \"not(client-address(192.0.2.0/24))\"; }\n"));
        assertTrue(client == server.upstreams().clients().get(0), "the client, its health and connections are kept");
        // S1 comes from 192.0.2.10: the condition is false at CONNECT, so the milter never sees it
        meta1.send(connect("S1")).join();
        assertEquals(ReplyCode.CONTINUE, meta1.send(mail("S1")).join().code());
        meta1.send(new PmilterRequest.Close("S1")).join();
        assertEquals(0, milter.received(Command.MAIL).size());
        assertEquals(0, milter.received(Command.CONNECT).size());
        // counted when pmult has closed the session, on its event loop
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(
                MeterNames.CLIENT_CONDITION_SESSIONS).tags("client", "cond", "result", "skipped").counter().count() == 1.0);
        // back to enforcing for everyone: the condition's series go away
        server.reload(configWith("cond", milter));
        meta1.send(connect("S2")).join();
        assertEquals(ReplyCode.REJECT, meta1.send(mail("S2")).join().code());
        assertTrue(registry.find(MeterNames.CLIENT_CONDITION_SESSIONS).counters().isEmpty());
    }

    // --- helpers -------------------------------------------------------------------------------

    private ScriptedMilter rejectingMail(String name) {
        ScriptedMilter milter = ScriptedMilter.builder()
                .on(Command.MAIL, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.ReplyCode("550 5.7.1 rejected by " + name)))
                .start(Transports.NIO.serverBootstrap(group, group, UnixDomainSocketAddress.of(dir.resolve(name + ".sock"))),
                        UnixDomainSocketAddress.of(dir.resolve(name + ".sock")));
        closing.add(milter);
        return milter;
    }

    private PmultConfig configWith(String client, ScriptedMilter milter) throws IOException {
        return config("listen unix://" + dir.resolve("pmult.sock") + ";\n"
                + "client " + client + " { url unix://" + milter.localAddress() + "; read-timeout 5 seconds; }\n");
    }

    private PmultConfig config(String text) throws IOException {
        Path file = Files.createTempFile(dir, "pmult", ".conf");
        Files.writeString(file, text);
        return ConfigLoader.read(file).config();
    }

    private PmultServer start(PmultConfig config) throws IOException {
        PmultServer server = PmultServer.start(config, metrics());
        closing.add(() -> server.shutdown(Duration.ZERO));
        return server;
    }

    private static PmultMetrics metrics() {
        return new PmultMetrics(new SimpleMeterRegistry());
    }

    private PmilterClientConnection meta1(PmultServer server) throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(server.boundAddresses().get(0).toString());
        PmilterClientConnection connection = PmilterClientConnection.connect(
                Transports.NIO.clientBootstrap(group, address), address, PmilterClientSettings.DEFAULTS).get(5, TimeUnit.SECONDS);
        closing.add(connection);
        PmilterResponse.NegotiateReply negotiated = connection.negotiate(PmilterCodes.ALL_MASK, 0).get(5, TimeUnit.SECONDS);
        assertTrue(PmilterCodes.Capability.CONNECT.isSetIn(negotiated.caps()));
        return connection;
    }

    private static PmilterRequest.Connect connect(String seid) throws IOException {
        return new PmilterRequest.Connect(seid, InetAddress.getByName("192.0.2.10"), 40001, "mx.example", PmilterMacros.EMPTY);
    }

    private static PmilterRequest.Mail mail(String seid) {
        return new PmilterRequest.Mail(seid, "<a@b.example>", null, PmilterMacros.EMPTY);
    }
}
