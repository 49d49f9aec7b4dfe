package org.pmult.server.hostile;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.client.PmilterClientSettings;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A well-behaved MeTA1 connection (the pmilter client library, as pmult-sim uses it) and the SMTP
 * session steps the hostile-peer tests run on it, each asserting pmult's reply. Against a
 * {@link HostileMilter} that behaves, a full session gets CONTINUE throughout, REJECT with the
 * milter's text for {@link HostileMilter#BLOCKED_RECIPIENT} and the milter's header at DOT.
 */
final class Meta1Client implements AutoCloseable {

    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(8);
    private static final PmilterClientSettings SETTINGS = PmilterClientSettings.DEFAULTS.withReplyTimeout(REPLY_TIMEOUT);
    private static final InetAddress SMTP_CLIENT = address("192.0.2.10");
    private static final String MESSAGE = "From: <sender@example.org>\r\nSubject: hostile peers\r\n"
            + "Message-ID: <hostile-test@example.org>\r\n\r\nhello\r\n";

    private final PmilterClientConnection connection;
    private ScheduledFuture<?> pings;

    private Meta1Client(PmilterClientConnection connection) {
        this.connection = connection;
    }

    /** Connects to pmult and negotiates every stage and modification. */
    static Meta1Client connect(EventLoopGroup group, SocketAddress pmult) throws Exception {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class);
        PmilterClientConnection connection = PmilterClientConnection.connect(bootstrap, pmult, SETTINGS)
                .get(5, TimeUnit.SECONDS);
        connection.negotiate(PmilterCodes.ALL_MASK, 0).get(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return new Meta1Client(connection);
    }

    PmilterClientConnection connection() {
        return connection;
    }

    /** Sends PING every {@code interval} so pmult's idle timeout never closes this connection. */
    void keepAlive(Duration interval) {
        pings = connection.channel().eventLoop().scheduleAtFixedRate(connection::ping, interval.toMillis(),
                interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends {@code request} and waits for pmult's reply. */
    PmilterResponse.Reply send(PmilterRequest.SessionRequest request) throws Exception {
        return connection.send(request).get(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Sends {@code request} and asserts pmult answers {@code expected}. */
    PmilterResponse.Reply expect(ReplyCode expected, PmilterRequest.SessionRequest request) throws Exception {
        PmilterResponse.Reply reply = send(request);
        assertEquals(expected, reply.code(), () -> "reply to " + request + ": " + reply);
        return reply;
    }

    /** CONNECT, EHLO and MAIL of session {@code seid}, each answered CONTINUE. */
    void beginSession(String seid) throws Exception {
        expect(ReplyCode.CONTINUE, connect(seid));
        expect(ReplyCode.CONTINUE, new PmilterRequest.Ehlo(seid, "good.example", HeloKind.EHLO, PmilterMacros.EMPTY));
        expect(ReplyCode.CONTINUE, mail(seid));
    }

    /**
     * The rest of session {@code seid} begun by {@link #beginSession}: a good and a blocked recipient,
     * the message, DOT with the milter's header, CLOSE.
     */
    void finishSession(String seid) throws Exception {
        expect(ReplyCode.CONTINUE, new PmilterRequest.Rcpt(seid, "<friend@example.net>", 0, null, PmilterMacros.EMPTY));
        PmilterResponse.Reply blocked = expect(ReplyCode.REJECT,
                new PmilterRequest.Rcpt(seid, HostileMilter.BLOCKED_RECIPIENT, 1, null, PmilterMacros.EMPTY));
        assertEquals(HostileMilter.BLOCKED_TEXT, blocked.text());
        expect(ReplyCode.CONTINUE, new PmilterRequest.Data(seid, PmilterMacros.EMPTY));
        expect(ReplyCode.CONTINUE, new PmilterRequest.Msg(seid,
                Unpooled.copiedBuffer(MESSAGE, StandardCharsets.US_ASCII)));
        PmilterResponse.Reply dot = expect(ReplyCode.CONTINUE, new PmilterRequest.Dot(seid, PmilterMacros.EMPTY));
        assertEquals(List.of(new PmilterModification.AddHeader(HostileMilter.SCANNED.name(),
                " " + HostileMilter.SCANNED.value())),
                dot.modifications());
        connection.send(new PmilterRequest.Close(seid)).get(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(connection.isActive(), "the well-behaved connection is still open");
    }

    static PmilterRequest.Connect connect(String seid) {
        return new PmilterRequest.Connect(seid, SMTP_CLIENT, 40001, "good.example", PmilterMacros.EMPTY);
    }

    static PmilterRequest.Mail mail(String seid) {
        return new PmilterRequest.Mail(seid, "<sender@example.org>", null, PmilterMacros.EMPTY);
    }

    @Override
    public void close() {
        if (pings != null) {
            pings.cancel(false);
        }
        connection.close();
        connection.closeFuture().orTimeout(5, TimeUnit.SECONDS).join();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
