package org.pmult.pmilter.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.pmilter.server.PmilterServerCodec;
import org.pmult.pmilter.server.PmilterServerHandler;
import org.pmult.pmilter.server.PmilterSessionHandler;

/**
 * The client role (what smtps does) against the server role (what pmult does) over a real loopback
 * socket: many sessions on one connection, replies interleaved across sessions, CLOSE, connection
 * loss, the session limit and the reply timeout.
 */
class PmilterLoopbackConversationTest {

    private static final PmilterResponse.NegotiateReply NEGOTIATED = new PmilterResponse.NegotiateReply(
            Capability.mask(Capability.CONNECT, Capability.EHLO, Capability.MAIL, Capability.RCPT, Capability.DATA,
                    Capability.MSG, Capability.DOT), 0, Map.of(Stage.MAIL, List.of(Macro.TAID)));

    private EventLoopGroup group;
    private ScheduledExecutorService milterThreads;
    private Channel serverChannel;
    private final Queue<Channel> serverConnections = new ConcurrentLinkedQueue<>();
    private final Map<String, RecordingSession> serverSessions = new ConcurrentHashMap<>();
    private final List<PmilterClientConnection> clients = new ArrayList<>();
    /** How each server session answers a command; set per test. */
    private volatile Function<RecordingSession, CompletionStage<PmilterResponse.Reply>> answer;

    /** A server-side session that records what it saw and answers as the test says. */
    final class RecordingSession implements PmilterSessionHandler {
        final String seid;
        final List<PmilterRequest.SessionRequest> requests = new CopyOnWriteArrayList<>();
        final List<CloseReason> closes = new CopyOnWriteArrayList<>();
        final Queue<CompletableFuture<PmilterResponse.Reply>> held = new ConcurrentLinkedQueue<>();

        RecordingSession(String seid) {
            this.seid = seid;
        }

        @Override
        public CompletionStage<PmilterResponse.Reply> handle(PmilterRequest.SessionRequest request) {
            if (request instanceof PmilterRequest.Msg msg) {
                requests.add(new PmilterRequest.Msg(msg.seid(), Unpooled.copiedBuffer(msg.chunk())));
                msg.release();
            } else {
                requests.add(request);
            }
            return answer.apply(this);
        }

        @Override
        public void closed(CloseReason reason) {
            closes.add(reason);
        }

        /** The reply text that proves which command a reply belongs to. */
        String echo() {
            return "250 " + seid + " " + requests.get(requests.size() - 1).command();
        }

        CompletableFuture<PmilterResponse.Reply> hold() {
            CompletableFuture<PmilterResponse.Reply> future = new CompletableFuture<>();
            held.add(future);
            return future;
        }
    }

    @BeforeEach
    void startServer() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        milterThreads = Executors.newScheduledThreadPool(4);
        startServer(0);
    }

    private void startServer(int maxSessions) throws Exception {
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        serverConnections.add(ch);
                        ch.pipeline().addLast(new PmilterServerCodec(), new PmilterServerHandler(offer -> NEGOTIATED,
                                (seid, connect, channel) -> serverSessions.computeIfAbsent(seid, RecordingSession::new),
                                maxSessions));
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(PmilterClientConnection::close);
        serverChannel.close().sync();
        milterThreads.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private PmilterClientConnection connect(PmilterClientSettings settings) {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class);
        PmilterClientConnection client = PmilterClientConnection.connect(bootstrap, serverChannel.localAddress(), settings)
                .join();
        clients.add(client);
        return client;
    }

    private PmilterClientConnection connectAndNegotiate() {
        PmilterClientConnection client = connect(PmilterClientSettings.DEFAULTS);
        assertEquals(NEGOTIATED, client.negotiate(PmilterCodes.ALL_MASK, 0).join());
        return client;
    }

    private static PmilterRequest.Connect connectRequest(String seid) {
        return new PmilterRequest.Connect(seid, InetAddress.getLoopbackAddress(), 40000, "client.example",
                PmilterMacros.EMPTY);
    }

    private CompletionStage<PmilterResponse.Reply> echoLater(RecordingSession session) {
        PmilterResponse.Reply reply = new PmilterResponse.Reply(session.seid, ReplyCode.CONTINUE, session.echo());
        CompletableFuture<PmilterResponse.Reply> future = new CompletableFuture<>();
        milterThreads.schedule(() -> future.complete(reply), ThreadLocalRandom.current().nextInt(0, 5),
                TimeUnit.MILLISECONDS);
        return future;
    }

    @Test
    void negotiatesAndAnswersPingOverARealSocket() {
        PmilterClientConnection client = connect(PmilterClientSettings.DEFAULTS);
        assertEquals(NEGOTIATED, client.negotiate(PmilterCodes.ALL_MASK, 0).join());
        assertNull(client.ping().join());
    }

    @Test
    void manySessionsInterleaveOnOneConnectionAndEachGetsItsOwnRepliesInOrder() {
        answer = this::echoLater;
        PmilterClientConnection client = connectAndNegotiate();
        int sessions = 40;
        List<CompletableFuture<List<String>>> transcripts = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            transcripts.add(transaction(client, "S" + i));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(transcripts.toArray(new CompletableFuture<?>[0]));
        await().atMost(Duration.ofSeconds(30)).until(all::isDone);
        for (int i = 0; i < sessions; i++) {
            String seid = "S" + i;
            assertEquals(List.of("250 " + seid + " CONNECT", "250 " + seid + " EHLO", "250 " + seid + " MAIL",
                    "250 " + seid + " RCPT", "250 " + seid + " RCPT", "250 " + seid + " DATA", "250 " + seid + " MSG",
                    "250 " + seid + " MSG", "250 " + seid + " DOT"), transcripts.get(i).join());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> serverSessions.values().stream()
                .allMatch(s -> s.closes.equals(List.of(CloseReason.CLOSE_COMMAND))));
        assertEquals(sessions, serverSessions.size());
        RecordingSession s7 = serverSessions.get("S7");
        assertEquals(new PmilterRequest.Mail("S7", "<a@S7.example>", "SIZE=100", PmilterMacros.of(Macro.TAID, "T-S7")),
                s7.requests.get(2));
        assertEquals("Subject: S7\r\n\r\n", s7.requests.get(6) instanceof PmilterRequest.Msg m
                ? m.chunk().toString(PmilterCodes.STRING_CHARSET) : null);
    }

    /** One SMTP transaction of session {@code seid}, each command sent after the previous reply. */
    private static CompletableFuture<List<String>> transaction(PmilterClientConnection client, String seid) {
        List<String> texts = new CopyOnWriteArrayList<>();
        List<PmilterRequest.SessionRequest> commands = List.of(
                connectRequest(seid),
                new PmilterRequest.Ehlo(seid, "client.example", HeloKind.EHLO, PmilterMacros.EMPTY),
                new PmilterRequest.Mail(seid, "<a@" + seid + ".example>", "SIZE=100", PmilterMacros.of(Macro.TAID, "T-" + seid)),
                new PmilterRequest.Rcpt(seid, "<b@example.org>", 0, null, PmilterMacros.EMPTY),
                new PmilterRequest.Rcpt(seid, "<c@example.org>", 1, null, PmilterMacros.EMPTY),
                new PmilterRequest.Data(seid, PmilterMacros.EMPTY),
                new PmilterRequest.Msg(seid, Unpooled.copiedBuffer("Subject: " + seid + "\r\n\r\n", PmilterCodes.STRING_CHARSET)),
                new PmilterRequest.Msg(seid, Unpooled.copiedBuffer("body\r\n", PmilterCodes.STRING_CHARSET)),
                new PmilterRequest.Dot(seid, PmilterMacros.EMPTY),
                new PmilterRequest.Close(seid));
        CompletableFuture<PmilterResponse.Reply> chain = CompletableFuture.completedFuture(null);
        for (PmilterRequest.SessionRequest command : commands) {
            chain = chain.thenCompose(previous -> {
                if (previous != null) {
                    texts.add(previous.text());
                }
                return client.send(command);
            });
        }
        return chain.thenApply(closeReply -> {
            assertNull(closeReply, "CLOSE has no reply");
            return texts;
        });
    }

    @Test
    void repliesComeBackInCompletionOrderAcrossSessions() {
        answer = RecordingSession::hold;
        PmilterClientConnection client = connectAndNegotiate();
        CompletableFuture<PmilterResponse.Reply> s1 = client.send(connectRequest("S1"));
        CompletableFuture<PmilterResponse.Reply> s2 = client.send(connectRequest("S2"));
        await().until(() -> serverSessions.containsKey("S1") && serverSessions.containsKey("S2")
                && !serverSessions.get("S1").held.isEmpty() && !serverSessions.get("S2").held.isEmpty());
        // pmult answers S2 first, from a milter thread
        serverSessions.get("S2").held.poll().complete(new PmilterResponse.Reply("S2", ReplyCode.REJECT, "554 5.7.1 Go away"));
        assertEquals(new PmilterResponse.Reply("S2", ReplyCode.REJECT, "554 5.7.1 Go away"),
                s2.orTimeout(10, TimeUnit.SECONDS).join());
        assertFalse(s1.isDone(), "S1 is still waiting for its own reply");
        serverSessions.get("S1").held.poll().complete(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE), s1.orTimeout(10, TimeUnit.SECONDS).join());
    }

    @Test
    void closeHasNoReplyAndEndsTheServerSession() {
        answer = session -> CompletableFuture.completedFuture(new PmilterResponse.Reply(session.seid, ReplyCode.CONTINUE));
        PmilterClientConnection client = connectAndNegotiate();
        client.send(connectRequest("S1")).join();
        assertNull(client.send(new PmilterRequest.Close("S1")).join());
        await().until(() -> serverSessions.get("S1").closes.equals(List.of(CloseReason.CLOSE_COMMAND)));
    }

    @Test
    void losingTheConnectionNotifiesEveryLiveServerSessionOnce() {
        answer = session -> session.requests.size() == 1
                ? CompletableFuture.completedFuture(new PmilterResponse.Reply(session.seid, ReplyCode.CONTINUE))
                : session.hold();
        PmilterClientConnection client = connectAndNegotiate();
        for (String seid : List.of("S1", "S2", "S3")) {
            client.send(connectRequest(seid)).join();
        }
        CompletableFuture<PmilterResponse.Reply> pending = client.send(new PmilterRequest.Data("S2", PmilterMacros.EMPTY));
        await().until(() -> serverSessions.get("S2").requests.size() == 2);
        // smtps goes away
        client.close();
        await().until(() -> serverSessions.values().stream()
                .allMatch(s -> s.closes.equals(List.of(CloseReason.CONNECTION_CLOSED))));
        CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, pending::join);
        assertInstanceOf(PmilterConnectionClosedException.class, failure.getCause());
    }

    @Test
    void serverClosingTheConnectionFailsEveryPendingReplyWithAClearReason() {
        answer = session -> session.hold();
        PmilterClientConnection client = connectAndNegotiate();
        CompletableFuture<PmilterResponse.Reply> s1 = client.send(connectRequest("S1"));
        CompletableFuture<PmilterResponse.Reply> s2 = client.send(connectRequest("S2"));
        await().until(() -> serverSessions.size() == 2);
        // pmult shuts the connection
        serverConnections.forEach(Channel::close);
        for (CompletableFuture<PmilterResponse.Reply> pending : List.of(s1, s2)) {
            CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> pending.orTimeout(10, TimeUnit.SECONDS).join());
            PmilterConnectionClosedException closed = assertInstanceOf(PmilterConnectionClosedException.class,
                    failure.getCause());
            assertTrue(closed.getMessage().contains("connection closed with 2 replies pending"), closed.getMessage());
            assertTrue(closed.getMessage().contains("no reply to CONNECT for session S"), closed.getMessage());
        }
        await().until(() -> !client.isActive());
        CompletionException later = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> client.send(new PmilterRequest.Abort("S1")).join());
        assertEquals("pmilter " + serverChannel.localAddress() + ": connection is closed; cannot send ABORT for session S1",
                later.getCause().getMessage());
    }

    @Test
    void connectBeyondTheSessionLimitGetsTempfail() throws Exception {
        startServer(2);
        answer = session -> CompletableFuture.completedFuture(new PmilterResponse.Reply(session.seid, ReplyCode.CONTINUE));
        PmilterClientConnection client = connectAndNegotiate();
        assertEquals(ReplyCode.CONTINUE, client.send(connectRequest("S1")).join().code());
        assertEquals(ReplyCode.CONTINUE, client.send(connectRequest("S2")).join().code());
        PmilterResponse.Reply third = client.send(connectRequest("S3")).join();
        assertEquals(ReplyCode.TEMPFAIL, third.code());
        assertEquals("451 4.3.2 Too many sessions on this pmilter connection (limit 2)", third.text());
        // S1 ends; now S3 fits
        client.send(new PmilterRequest.Close("S1")).join();
        await().until(() -> !serverSessions.get("S1").closes.isEmpty());
        assertEquals(ReplyCode.CONTINUE, client.send(connectRequest("S3")).join().code());
    }

    @Test
    void aReplyThatDoesNotComeInTimeFailsWithATimeoutNamingSessionCommandAndLimit() {
        answer = session -> session.requests.size() == 2 ? session.hold()
                : CompletableFuture.completedFuture(new PmilterResponse.Reply(session.seid, ReplyCode.CONTINUE, session.echo()));
        PmilterClientConnection client = connect(PmilterClientSettings.DEFAULTS.withReplyTimeout(Duration.ofMillis(200)));
        client.negotiate(PmilterCodes.ALL_MASK, 0).join();
        client.send(connectRequest("S1")).join();
        // smtps: RCPT; pmult does not answer in time
        CompletableFuture<PmilterResponse.Reply> rcpt = client.send(
                new PmilterRequest.Rcpt("S1", "<b@example.org>", 0, null, PmilterMacros.EMPTY));
        await().atMost(Duration.ofSeconds(5)).until(rcpt::isDone);
        CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, rcpt::join);
        PmilterReplyTimeoutException timeout = assertInstanceOf(PmilterReplyTimeoutException.class, failure.getCause());
        assertEquals("S1", timeout.seid());
        assertEquals("RCPT", timeout.command());
        assertEquals(Duration.ofMillis(200), timeout.timeout());
        assertEquals("pmilter " + serverChannel.localAddress() + ": session S1: no reply to RCPT within 200 ms",
                timeout.getMessage());
        // the late reply is dropped (S1 has nothing outstanding), and another session still gets its own
        // reply; S1 itself is not reused, since after a timeout its correlation is uncertain (as in MeTA1)
        serverSessions.get("S1").held.poll().complete(new PmilterResponse.Reply("S1", ReplyCode.REJECT, "550 5.1.1 late"));
        assertEquals("250 S2 CONNECT", client.send(connectRequest("S2")).join().text());
    }

    @Test
    void carriesAFullSizeChunkIntact() {
        answer = session -> CompletableFuture.completedFuture(new PmilterResponse.Reply(session.seid, ReplyCode.CONTINUE));
        PmilterClientConnection client = connectAndNegotiate();
        client.send(connectRequest("S1")).join();
        byte[] chunk = new byte[PmilterCodes.MAX_CHUNK_LENGTH];
        ThreadLocalRandom.current().nextBytes(chunk);
        client.send(new PmilterRequest.Msg("S1", Unpooled.copiedBuffer(chunk))).join();
        PmilterRequest.Msg received = (PmilterRequest.Msg) serverSessions.get("S1").requests.get(1);
        assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(chunk), received.chunk()));
    }

    @Test
    void failsToConnectToAPortNobodyListensOnWithTheAddressInTheMessage() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        CompletableFuture<PmilterClientConnection> connecting = PmilterClientConnection.connect(
                new Bootstrap().group(group).channel(NioSocketChannel.class), nobody, PmilterClientSettings.DEFAULTS);
        CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> connecting.orTimeout(10, TimeUnit.SECONDS).join());
        ConnectException refused = assertInstanceOf(ConnectException.class, failure.getCause());
        assertTrue(refused.getMessage().startsWith("pmilter " + nobody + ": cannot connect within 5000 ms"),
                refused.getMessage());
    }
}
