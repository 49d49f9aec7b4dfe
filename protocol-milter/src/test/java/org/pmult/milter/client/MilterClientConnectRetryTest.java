package org.pmult.milter.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyEncoder;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session waits out what Sendmail's and Postfix's blocking connect would wait out: a full listen
 * backlog, a filter that refuses or hangs up while it restarts. It tries again with short jittered
 * waits for as long as its connect timeout allows, takes its turn at the {@link ConnectGate}, and
 * gives up with its default action when the time is spent or the gate is shut.
 */
class MilterClientConnectRetryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static EventLoopGroup group;

    private final List<String> attemptFailures = new CopyOnWriteArrayList<>();
    private final List<MilterClientSession> sessions = new ArrayList<>();
    private ScriptedMilter milter;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEventLoops() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEventLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeAll() {
        sessions.forEach(MilterClientSession::close);
        if (milter != null) {
            milter.close();
        }
    }

    @Test
    void aConnectionClosedBeforeTheNegotiationWasAnsweredIsTriedAgainAndServes() {
        // connections 0 and 1 (the v6 offer and the v2 fallback) are hung up on, as by a restarting filter
        milter = ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> connection < 2
                        ? MilterScriptResponse.close()
                        : MilterScriptResponse.reply(new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, 0)))
                .start(new ServerBootstrap().group(group).channel(NioServerSocketChannel.class),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        MilterClientSession session = openInet(milter.localAddress(), retrying(Duration.ofSeconds(10)).build());

        assertEquals(6, result(session.negotiation()).version(), "the third connection offers v6 afresh");
        assertEquals(3, milter.connections());
        assertEquals(1, attemptFailures.size(), attemptFailures.toString());
        assertTrue(attemptFailures.get(0).startsWith("retrying: closed the connection during option negotiation"),
                attemptFailures.toString());
        assertSame(MilterVerdict.CONTINUE, result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, "")));
    }

    @Test
    void aUnixSocketThatAppearsLaterIsWaitedFor() {
        SocketAddress socket = UnixDomainSocketAddress.of(dir.resolve("restarting.sock"));
        MilterClientSession session = openUnix(socket, retrying(Duration.ofSeconds(10)).build());
        await().atMost(WAIT).until(() -> attemptFailures.size() >= 2);

        milter = ScriptedMilter.builder()
                .start(new ServerBootstrap().group(group).channel(NioServerDomainSocketChannel.class), socket);

        assertEquals(6, result(session.negotiation()).version());
        assertTrue(attemptFailures.stream().allMatch(failure -> failure.startsWith("retrying: cannot connect: ")),
                attemptFailures.toString());
    }

    @Test
    void aFullUnixBacklogIsWaitedOut() throws IOException {
        // A listener with backlog 1 that accepts nothing yet: the kernel queues two connects, and a
        // non-blocking connect beyond that fails with EAGAIN ("Resource temporarily unavailable").
        Path path = dir.resolve("busy.sock");
        try (ServerSocketChannel busy = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            busy.bind(UnixDomainSocketAddress.of(path), 1);
            MilterClientSettings settings = retrying(Duration.ofSeconds(20)).build();
            for (int n = 0; n < 4; n++) {
                openUnix(UnixDomainSocketAddress.of(path), settings);
            }
            await("a connect refused for a full backlog").atMost(WAIT).until(() -> attemptFailures.stream()
                    .anyMatch(failure -> failure.startsWith("retrying: ") && failure.contains("temporarily unavailable")));

            answerEveryOptionNegotiation(busy, sessions.size());

            for (MilterClientSession session : sessions) {
                assertEquals(6, result(session.negotiation()).version());
            }
        }
    }

    @Test
    void givesUpWithTheDefaultActionWhenTheConnectTimeoutIsSpent() {
        SocketAddress socket = UnixDomainSocketAddress.of(dir.resolve("nobody.sock"));
        MilterClientSession session = openUnix(socket, retrying(Duration.ofMillis(300)).build());

        MilterFailure failure = negotiationFailure(session);

        assertEquals(MilterFailure.Kind.CONNECT, failure.kind());
        assertTrue(failure.message().startsWith("could not connect within 300ms ("), failure.message());
        assertTrue(failure.message().contains("attempts; last: cannot connect: "), failure.message());
        assertTrue(attemptFailures.size() >= 2, "tried more than once: " + attemptFailures);
        MilterVerdict verdict = result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, ""));
        assertEquals(MilterFailure.Kind.CONNECT,
                assertInstanceOf(MilterVerdict.DefaultActionApplied.class, verdict).failure().kind());
    }

    @Test
    void waitsForItsTurnAtTheGateWithinTheConnectTimeout() {
        milter = ScriptedMilter.builder().start(new ServerBootstrap().group(group).channel(NioServerSocketChannel.class),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        BoundedConnectGate gate = new BoundedConnectGate(1);
        ConnectGate.Permit held = result(gate.acquire(group.next()));

        MilterClientSession patient = openInet(milter.localAddress(),
                retrying(Duration.ofSeconds(10)).connectGate(gate).build());
        MilterClientSession hasty = openInet(milter.localAddress(),
                retrying(Duration.ofMillis(200)).connectGate(gate).build());

        MilterFailure failure = negotiationFailure(hasty);
        assertEquals("could not connect within 200ms (waiting for a connection attempt to the filter to end)",
                failure.message());
        assertEquals(0, milter.connections(), "nobody connected while the gate was full");

        held.release();
        assertEquals(6, result(patient.negotiation()).version());
        await().atMost(WAIT).until(() -> gate.inFlight() == 0);
    }

    @Test
    void aShutGateFailsTheWaitingSessionAtOnce() {
        BoundedConnectGate gate = new BoundedConnectGate(1);
        ConnectGate.Permit held = result(gate.acquire(group.next()));
        MilterClientSession session = openUnix(UnixDomainSocketAddress.of(dir.resolve("down.sock")),
                retrying(Duration.ofSeconds(300)).connectGate(gate).build());
        await().atMost(WAIT).until(() -> gate.waiting() == 1);

        gate.shut("milter is down");

        MilterFailure failure = negotiationFailure(session);
        assertEquals(MilterFailure.Kind.CONNECT, failure.kind());
        assertEquals("not connecting: milter is down", failure.message());
        held.release();
    }

    @Test
    void aBadNegotiationReplyIsNotTriedAgain() {
        milter = ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(7, 0x1FF, 0))
                .start(new ServerBootstrap().group(group).channel(NioServerSocketChannel.class),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        MilterClientSession session = openInet(milter.localAddress(), retrying(Duration.ofSeconds(10)).build());

        assertEquals(MilterFailure.Kind.PROTOCOL, negotiationFailure(session).kind());
        assertEquals(1, milter.connections());
        assertEquals(1, attemptFailures.size());
        assertTrue(attemptFailures.get(0).startsWith("giving up: "), attemptFailures.toString());
    }

    // ---------------------------------------------------------------- helpers

    private MilterClientSettings.Builder retrying(Duration connectTimeout) {
        return MilterClientSettings.builder("test").connectTimeout(connectTimeout)
                .connectBackoff(ConnectBackoff.DEFAULT)
                .observer(new MilterClientObserver() {
                    @Override
                    public void onConnectAttemptFailed(String message, boolean retrying) {
                        attemptFailures.add((retrying ? "retrying: " : "giving up: ") + message);
                    }
                });
    }

    private MilterClientSession openInet(SocketAddress address, MilterClientSettings settings) {
        MilterClientSession session = MilterClientSession.open(
                new Bootstrap().group(group).channel(NioSocketChannel.class), address, settings);
        sessions.add(session);
        return session;
    }

    private MilterClientSession openUnix(SocketAddress address, MilterClientSettings settings) {
        MilterClientSession session = MilterClientSession.open(
                new Bootstrap().group(group).channel(NioDomainSocketChannel.class), address, settings);
        sessions.add(session);
        return session;
    }

    /** Accepts {@code count} connections and answers each one's SMFIC_OPTNEG with version 6, no flags. */
    private static void answerEveryOptionNegotiation(ServerSocketChannel listener, int count) throws IOException {
        ByteBuf encoded = MilterReplyEncoder.encode(UnpooledByteBufAllocator.DEFAULT,
                new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, 0), MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        byte[] reply = new byte[encoded.readableBytes()];
        encoded.readBytes(reply);
        encoded.release();
        for (int n = 0; n < count; n++) {
            SocketChannel accepted = listener.accept();
            ByteBuffer length = ByteBuffer.allocate(4);
            while (length.hasRemaining()) {
                accepted.read(length);
            }
            ByteBuffer body = ByteBuffer.allocate(length.flip().getInt());
            while (body.hasRemaining()) {
                accepted.read(body);
            }
            accepted.write(ByteBuffer.wrap(reply));
            // left open: the session closes it
        }
    }

    private static MilterFailure negotiationFailure(MilterClientSession session) {
        await().atMost(WAIT).until(session.negotiation()::isDone);
        return assertInstanceOf(MilterClientException.class, session.negotiation().cause()).failure();
    }

    private static <T> T result(Future<T> future) {
        await().pollInterval(Duration.ofMillis(2)).atMost(WAIT).until(future::isDone);
        assertTrue(future.isSuccess(), () -> "failed: " + future.cause());
        return future.getNow();
    }
}
