package org.pmult.server.hostile;

import ch.qos.logback.classic.Level;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Tag;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.config.Limits;
import org.pmult.server.metrics.DecodeErrorReason;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.metrics.TrafficSide;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A MeTA1 side that sends garbage, stops mid-frame, floods pmult with idle connections, sends frames
 * at and past the bound, unknown commands and too many sessions. Each test keeps a well-behaved
 * session open on another connection from before the hostile act until after it, and asserts it
 * completes with the milter's verdicts.
 */
class MisbehavingMeta1Test {

    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);
    private static final String GOOD = "GOOD1";
    private static final String EVIL = "EVIL1";

    @TempDir
    Path directory;

    private HostileStage stage;
    private EventLoopGroup group;
    private HostileMilter milter;
    private LogCapture logs;

    @BeforeEach
    void startMilter() {
        stage = HostileStage.start();
        group = stage.group;
        milter = stage.milter;
        logs = stage.logs;
    }

    @AfterEach
    void stopEverything() throws Exception {
        stage.close();
    }

    @Test
    void closesAConnectionThatSendsGarbageAndCountsIt() throws Exception {
        PmultInstance pmult = pmult("");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        try (RawPmilterClient hostile = RawPmilterClient.connect(pmult.address())) {
            hostile.write("GET / HTTP/1.1\r\nHost: pmult\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            hostile.awaitClosedByPeer(CLOSE_WITHIN);
        }

        long length = ByteBuffer.wrap("GET ".getBytes(StandardCharsets.US_ASCII)).getInt() & 0xFFFF_FFFFL;
        logs.awaitLine(Level.WARN, "PmilterServerHandler", "malformed message", "message length: " + length
                + " (expected: " + PmilterCodes.MIN_MESSAGE_LENGTH + ".." + Limits.DEFAULTS.maxFrameLength() + ")",
                "closing the connection");
        assertEquals(1, decodeErrors(pmult, DecodeErrorReason.FRAME_LENGTH));
        good.finishSession(GOOD);
    }

    @Test
    void endsTheSessionsOfAConnectionThatTurnsToGarbageMidSession() throws Exception {
        PmultInstance pmult = pmult("");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        milter.arm(HostileMilter.Misbehaviour.NONE);
        try (RawPmilterClient hostile = RawPmilterClient.connect(pmult.address())) {
            hostile.negotiate();
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(Meta1Client.connect(EVIL)).code());
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(Meta1Client.mail(EVIL)).code());
            await().until(() -> pmult.gauge(MeterNames.SESSIONS_ACTIVE) == 2);
            // A plausible length, then an entry that claims more bytes than the message has.
            hostile.write(new byte[] {0, 0, 0, 16, -1, -1, -1, -1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
            hostile.awaitClosedByPeer(CLOSE_WITHIN);
        }
        milter.disarm();

        logs.awaitLine(Level.WARN, "PmilterServerHandler", "malformed message", "closing the connection and its 1 sessions");
        assertEquals(1, decodeErrors(pmult, DecodeErrorReason.ENTRY_LENGTH));
        awaitMilterConnectionsOfHostileSessionClosed();
        await().until(() -> pmult.gauge(MeterNames.SESSIONS_ACTIVE) == 1);
        good.finishSession(GOOD);
    }

    @Test
    void closesAConnectionThatStopsMidFrameAtTheIdleTimeout() throws Exception {
        PmultInstance pmult = pmult("  limits { idle-timeout = 1s }\n");
        Meta1Client good = Meta1Client.connect(group, pmult.address());
        stage.closeAtEnd(good);
        good.keepAlive(Duration.ofMillis(250));
        good.beginSession(GOOD);

        milter.arm(HostileMilter.Misbehaviour.NONE);
        try (RawPmilterClient hostile = RawPmilterClient.connect(pmult.address())) {
            hostile.negotiate();
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(Meta1Client.connect(EVIL)).code());
            byte[] mail = RawPmilterClient.encode(Meta1Client.mail(EVIL));
            hostile.write(Arrays.copyOf(mail, mail.length / 2));
            long stalledAt = System.nanoTime();
            hostile.awaitClosedByPeer(CLOSE_WITHIN);
            assertTrue(System.nanoTime() - stalledAt >= TimeUnit.MILLISECONDS.toNanos(900),
                    "closed by the idle timeout, not at once");
        }
        milter.disarm();

        logs.awaitLine(Level.WARN, "IdleConnectionCloser", "nothing received for 1 second", "limits.idle-timeout");
        awaitMilterConnectionsOfHostileSessionClosed();
        await().until(() -> pmult.gauge(MeterNames.SESSIONS_ACTIVE) == 1);
        good.finishSession(GOOD);
    }

    @Test
    void refusesAFloodBeyondTheDefaultConnectionLimitAndServesTheConnectionsWithin() throws Exception {
        PmultInstance pmult = pmult("");
        Meta1Client good = wellBehavedSessionBegun(pmult);
        int limit = Limits.DEFAULTS.maxConnections();
        int flood = 1_000;

        List<Channel> idle = connectIdle(pmult, flood);

        int refused = flood - (limit - 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> idle.stream().filter(ch -> !ch.isActive()).count() == refused);
        await().until(() -> logs.count(Level.WARN, "ConnectionLimiter", "refused", "limits.max-connections = " + limit) == refused);
        assertEquals(limit, pmult.gauge(MeterNames.META1_CONNECTIONS_ACTIVE));
        assertEquals(limit - 1, idle.stream().filter(Channel::isActive).count(), "the connections within the limit are held");
        good.finishSession(GOOD);

        idle.forEach(Channel::close);
        await().until(() -> pmult.gauge(MeterNames.META1_CONNECTIONS_ACTIVE) == 1);
        try (Meta1Client later = Meta1Client.connect(group, pmult.address())) {
            later.beginSession("GOOD2");
            later.finishSession("GOOD2");
        }
    }

    @Test
    void acceptsAThousandIdleConnectionsWithinARaisedLimitAndClosesThemAtTheIdleTimeout() throws Exception {
        PmultInstance pmult = pmult("  limits { max-connections = 1100, idle-timeout = 2s }\n");
        Meta1Client good = Meta1Client.connect(group, pmult.address());
        stage.closeAtEnd(good);
        good.keepAlive(Duration.ofMillis(400));
        good.beginSession(GOOD);
        int flood = 1_000;

        List<Channel> idle = connectIdle(pmult, flood);

        await().atMost(Duration.ofSeconds(20)).until(() -> idle.stream().noneMatch(Channel::isActive));
        assertEquals(flood + 1, pmult.counter(MeterNames.META1_CONNECTIONS), "every connection was accepted");
        assertEquals(0, logs.count(Level.WARN, "ConnectionLimiter"));
        await().until(() -> logs.count(Level.WARN, "IdleConnectionCloser", "nothing received for 2 seconds") == flood);
        await().until(() -> pmult.gauge(MeterNames.META1_CONNECTIONS_ACTIVE) == 1);
        good.finishSession(GOOD);
    }

    @Test
    void processesAMessageExactlyAtTheFrameBoundAndRefusesOneByteMore() throws Exception {
        int bound = Limits.MIN_FRAME_LENGTH;
        PmultInstance pmult = pmult("  limits { max-frame-length = " + bound + " }\n");
        Meta1Client good = wellBehavedSessionBegun(pmult);
        String seid = "S" + "0".repeat(PmilterCodes.MAX_SEID_LENGTH - 1);

        try (RawPmilterClient hostile = RawPmilterClient.connect(pmult.address())) {
            hostile.negotiate();
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(Meta1Client.connect(seid)).code());
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(Meta1Client.mail(seid)).code());
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(new PmilterRequest.Rcpt(seid, "<friend@example.net>", 0,
                    null, PmilterMacros.EMPTY)).code());
            assertEquals(ReplyCode.CONTINUE, hostile.exchange(new PmilterRequest.Data(seid, PmilterMacros.EMPTY)).code());

            byte[] atBound = paddedMsg(seid, bound);
            hostile.write(atBound);
            PmilterResponse.Reply reply = assertInstanceOf(PmilterResponse.Reply.class, hostile.read());
            assertEquals(ReplyCode.CONTINUE, reply.code(), "a message of exactly " + bound + " bytes is processed");

            hostile.write(paddedMsg(seid, bound + 1));
            hostile.awaitClosedByPeer(CLOSE_WITHIN);
        }

        logs.awaitLine(Level.WARN, "PmilterServerHandler", "malformed message",
                "message length: " + (bound + 1) + " (expected: " + PmilterCodes.MIN_MESSAGE_LENGTH + ".." + bound + ")");
        assertEquals(1, decodeErrors(pmult, DecodeErrorReason.FRAME_LENGTH));
        good.finishSession(GOOD);
    }

    @Test
    void answersAnUnknownCommandWithErrorAndKeepsTheConnection() throws Exception {
        PmultInstance pmult = pmult("");
        Meta1Client good = wellBehavedSessionBegun(pmult);
        long unknownCode = unknownCommandCode();

        try (RawPmilterClient hostile = RawPmilterClient.connect(pmult.address())) {
            hostile.negotiate();
            PmilterResponse.Reply error = hostile.exchange(new PmilterRequest.UnknownCommand(unknownCode, EVIL));
            assertEquals(new PmilterResponse.Reply(EVIL, ReplyCode.ERROR), error);

            hostile.write(new PmilterRequest.UnknownCommand(unknownCode, null));
            hostile.write(new PmilterRequest.Ping());
            assertInstanceOf(PmilterResponse.PingReply.class, hostile.read(), "no reply to the one without SEID; PING answered");

            assertEquals(ReplyCode.CONTINUE, hostile.exchange(Meta1Client.connect(EVIL)).code(), "the connection goes on");
            hostile.write(new PmilterRequest.Close(EVIL));
        }

        String code = PmilterCodes.hex4(unknownCode);
        logs.awaitLine(Level.WARN, "PmilterServerHandler", "session " + EVIL + ": unknown command " + code, "replying ERROR");
        logs.awaitLine(Level.WARN, "PmilterServerHandler", "unknown command " + code + " without session id; ignored");
        assertEquals(2, decodeErrors(pmult, DecodeErrorReason.UNKNOWN_COMMAND));
        good.finishSession(GOOD);
    }

    @Test
    void tempfailsAConnectBeyondTheSessionLimitOfItsConnection() throws Exception {
        PmultInstance pmult = pmult("  limits { max-sessions-per-connection = 2 }\n");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        try (Meta1Client greedy = Meta1Client.connect(group, pmult.address())) {
            greedy.expect(ReplyCode.CONTINUE, Meta1Client.connect("MANY1"));
            greedy.expect(ReplyCode.CONTINUE, Meta1Client.connect("MANY2"));
            PmilterResponse.Reply third = greedy.expect(ReplyCode.TEMPFAIL, Meta1Client.connect("MANY3"));
            assertTrue(third.text().startsWith("451 "), third.text());

            greedy.connection().send(new PmilterRequest.Close("MANY1")).get(5, TimeUnit.SECONDS);
            greedy.expect(ReplyCode.CONTINUE, Meta1Client.connect("MANY4"));
            assertTrue(greedy.connection().isActive(), "the limit refuses sessions, not the connection");
        }

        logs.awaitLine(Level.WARN, "PmilterServerHandler", "session MANY3", "exceeds the limit of 2 sessions per connection",
                "replying TEMPFAIL");
        good.finishSession(GOOD);
    }

    @Test
    void stopsReadingFromAConnectionThatDoesNotReadItsRepliesAndClosesItAtTheIdleTimeout() throws Exception {
        // Paranoid leak detection (the build's default for tests) records a stack trace at every read
        // of a buffer: decoding a flood of PINGs then takes seconds per read, one read loop outlasts
        // the idle timeout and the test's waits (the idle timer never fires while a read is in
        // progress), and what is measured is the leak detector. This test is about flow control, not
        // leaks: the buffers of this flood are tracked the sampling way (SIMPLE).
        ResourceLeakDetector.Level leakDetection = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        try {
            floodWithoutReadingReplies();
        } finally {
            ResourceLeakDetector.setLevel(leakDetection);
        }
    }

    private void floodWithoutReadingReplies() throws Exception {
        PmultInstance pmult = pmult("  limits { idle-timeout = 2s }\n");
        Meta1Client good = Meta1Client.connect(group, pmult.address());
        stage.closeAtEnd(good);
        good.keepAlive(Duration.ofMillis(400));
        good.beginSession(GOOD);

        long offered = 200L << 20;
        try (RawPmilterClient hostile = RawPmilterClient.connect(pmult.address(), 8192)) {
            hostile.negotiate();
            AtomicLong written = new AtomicLong();
            Thread pinger = new Thread(() -> written.addAndGet(hostile.writeUntilBlockedOrClosed(
                    RawPmilterClient.encode(new PmilterRequest.Ping()), offered)), "ping-flood");
            pinger.setDaemon(true);
            pinger.start();

            // pmult stops reading once its queue of unread replies passes the channel's high-water
            // mark; what it has read is bounded by the socket buffers, not by what the peer sends.
            DoubleSupplier receivedBytes = () -> pmult.counter(MeterNames.RECEIVED, MeterNames.TAG_SIDE,
                    TrafficSide.PMILTER.tag());
            // (the well-behaved connection's keep-alive PINGs still arrive: a few bytes of slack)
            // (how long the kernel's socket buffers take to fill depends on the machine's load: a
            // generous bound, since only the amount read is asserted)
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(new Plateau(receivedBytes, Duration.ofMillis(800), 4096)::reached);
            double received = receivedBytes.getAsDouble();
            assertTrue(received < 32 << 20, "pmult read " + received + " bytes from a peer that reads nothing");

            logs.awaitLine(Level.WARN, "IdleConnectionCloser", "nothing received for 2 seconds");
            pinger.join(CLOSE_WITHIN.toMillis());
            assertTrue(written.get() < offered, "the flood was cut off, not absorbed");
        }
        good.finishSession(GOOD);
    }

    // --- helpers -------------------------------------------------------------------------------

    private PmultInstance pmult(String limits) throws IOException {
        PmultInstance pmult = PmultInstance.start(directory, PmultInstance.client("mfd", milter.url(), "tempfail") + limits);
        stage.closeAtEnd(pmult);
        return pmult;
    }

    /** A well-behaved connection with session {@link #GOOD} begun (CONNECT, EHLO, MAIL). */
    private Meta1Client wellBehavedSessionBegun(PmultInstance pmult) throws Exception {
        Meta1Client good = Meta1Client.connect(group, pmult.address());
        stage.closeAtEnd(good);
        good.beginSession(GOOD);
        return good;
    }

    private static double decodeErrors(PmultInstance pmult, DecodeErrorReason reason) {
        return pmult.counter(MeterNames.PMILTER_DECODE_ERRORS, MeterNames.TAG_REASON, reason.tag());
    }

    /** pmult ended the hostile session's Milter connection (QUIT and close) when its MeTA1 connection went. */
    private void awaitMilterConnectionsOfHostileSessionClosed() {
        List<HostileMilter.Connection> armed = milter.armedConnections();
        assertEquals(1, armed.size(), "one Milter connection for the hostile session");
        await().until(() -> !armed.get(0).channel().isActive());
    }

    /** Opens {@code count} connections that never send a byte; returns them once all are connected. */
    private List<Channel> connectIdle(PmultInstance pmult, int count) {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(SILENT);
        List<ChannelFuture> connecting = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            connecting.add(bootstrap.connect(pmult.address()));
        }
        List<Channel> channels = new ArrayList<>(count);
        for (ChannelFuture future : connecting) {
            assertTrue(future.awaitUninterruptibly(10, TimeUnit.SECONDS) && future.isSuccess(),
                    () -> "connect: " + future.cause());
            channels.add(future.channel());
            stage.closeAtEnd(() -> future.channel().close());
        }
        return channels;
    }

    /**
     * A MSG of session {@code seid} whose message length is exactly {@code length}: the chunk fills
     * it, after an unknown-tag entry with an empty value (which the profile ignores), so lengths just
     * past the largest chunk can be built too.
     */
    private static byte[] paddedMsg(String seid, int length) {
        int overhead = 2 * PmilterCodes.INT_ENTRY_LENGTH + PmilterCodes.ENTRY_HEADER_LENGTH + seid.length()
                + PmilterCodes.ENTRY_HEADER_LENGTH + PmilterCodes.ENTRY_HEADER_LENGTH;
        int chunkLength = length - overhead;
        assertTrue(chunkLength <= PmilterCodes.MAX_CHUNK_LENGTH, "chunk " + chunkLength);
        StringBuilder text = new StringBuilder("Subject: at the frame bound\r\n\r\n");
        while (text.length() < chunkLength) {
            text.append(text.length() % 78 == 76 ? "\r\n" : "a");
        }
        text.setLength(chunkLength);
        PmilterRequest.Msg msg = new PmilterRequest.Msg(seid, Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
        byte[] encoded;
        try {
            encoded = RawPmilterClient.encode(msg);
        } finally {
            msg.release();
        }
        ByteBuf frame = Unpooled.buffer(encoded.length + PmilterCodes.ENTRY_HEADER_LENGTH);
        frame.writeBytes(encoded).writeInt(0).writeInt(unknownTag());
        frame.setInt(0, frame.readableBytes() - PmilterCodes.LENGTH_FIELD_LENGTH);
        assertEquals(length, frame.getInt(0));
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes).release();
        return bytes;
    }

    /** A tag value the profile does not define. */
    private static int unknownTag() {
        int value = 0xFFFF;
        while (Tag.fromValue(value) != null) {
            value--;
        }
        return value;
    }

    /** A CMD value the profile does not define. */
    private static long unknownCommandCode() {
        long value = 0x7F;
        while (Command.fromValue(value) != null) {
            value--;
        }
        assertNull(Command.fromValue(value));
        return value;
    }

    /**
     * A growing sampled value that has levelled off: it grew by at most {@code slack} during the last
     * {@code quiet}. Sampled by polling {@link #reached}.
     */
    private static final class Plateau {
        private final DoubleSupplier sample;
        private final long quietNanos;
        private final double slack;
        private double base = Double.NaN;
        private long since;

        Plateau(DoubleSupplier sample, Duration quiet, double slack) {
            this.sample = sample;
            this.quietNanos = quiet.toNanos();
            this.slack = slack;
        }

        boolean reached() {
            double value = sample.getAsDouble();
            long now = System.nanoTime();
            if (Double.isNaN(base) || value - base > slack) {
                base = value;
                since = now;
                return false;
            }
            return now - since >= quietNanos;
        }
    }

    /** Holds a connection open and sends nothing. */
    @ChannelHandler.Sharable
    private static final class Silent extends ChannelInboundHandlerAdapter {
    }

    private static final ChannelHandler SILENT = new Silent();
}
