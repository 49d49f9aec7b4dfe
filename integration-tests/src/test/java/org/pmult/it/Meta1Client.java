package org.pmult.it;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.client.PmilterClientSettings;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.transport.Transports;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * MeTA1's side of one pmilter connection, for tests that read like an SMTP conversation: connect,
 * negotiate (offering every stage and every modification kind), then {@link #session(String)} per
 * SMTP session. Like smtps, each command carries exactly the MeTA1 macros pmult asked for at its stage
 * in the NEGOTIATE_REPLY, with the values this "MeTA1" knows ({@link Session#macro} overrides them per
 * session). Every call blocks the test thread until pmult answers, at most {@link #REPLY_WAIT}.
 */
final class Meta1Client implements AutoCloseable {

    /** How long a test waits for any one reply before failing. */
    static final Duration REPLY_WAIT = Duration.ofSeconds(20);
    /** Every stage and every modification smtps can apply: pmult chooses from the full offer. */
    static final int FULL_OFFER = PmilterCodes.STAGE_CAPS_MASK | PmilterCodes.MOD_CAPS_MASK;

    private final PmilterClientConnection connection;
    private final PmilterResponse.NegotiateReply negotiation;
    private final Map<Macro, String> knownMacros;

    private Meta1Client(PmilterClientConnection connection, PmilterResponse.NegotiateReply negotiation,
                        Map<Macro, String> knownMacros) {
        this.connection = connection;
        this.negotiation = negotiation;
        this.knownMacros = knownMacros;
    }

    /**
     * Connects to pmult at {@code address} (an address of the transport's own type, as
     * {@code PmultServer.boundAddresses()} reports it) and negotiates.
     *
     * @param knownMacros the MeTA1 macro values this smtps has, sent whenever pmult asked for them
     */
    static Meta1Client connect(Transports transport, EventLoopGroup group, SocketAddress address,
                               Map<Macro, String> knownMacros) {
        PmilterClientSettings settings = PmilterClientSettings.DEFAULTS.withReplyTimeout(REPLY_WAIT);
        PmilterClientConnection connection = await(PmilterClientConnection.connect(
                transport.clientBootstrap(group, address), address, settings), "connect to pmult at " + address);
        try {
            PmilterResponse.NegotiateReply negotiation = await(connection.negotiate(FULL_OFFER, 0), "NEGOTIATE");
            Map<Macro, String> known = new EnumMap<>(Macro.class);
            known.putAll(knownMacros);
            return new Meta1Client(connection, negotiation, known);
        } catch (RuntimeException | AssertionError e) {
            connection.close();
            throw e;
        }
    }

    /** pmult's NEGOTIATE_REPLY: the stages it wants and the MeTA1 macros it asked for per stage. */
    PmilterResponse.NegotiateReply negotiation() {
        return negotiation;
    }

    /** A new SMTP session with MeTA1 session id {@code seid} (nothing is sent until {@link Session#connect}). */
    Session session(String seid) {
        return new Session(seid);
    }

    boolean isActive() {
        return connection.isActive();
    }

    @Override
    public void close() {
        connection.close();
        connection.closeFuture().orTimeout(REPLY_WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** One SMTP session as smtps drives it. */
    final class Session {
        private final String seid;
        private final Map<Macro, String> sessionMacros = new EnumMap<>(Macro.class);
        private int recipientIndex;

        private Session(String seid) {
            this.seid = seid;
        }

        String seid() {
            return seid;
        }

        /** Sets a MeTA1 macro value for this session only (e.g. the message's {@code msgid}). */
        Session macro(Macro macro, String value) {
            sessionMacros.put(macro, value);
            return this;
        }

        /** CONNECT from {@code clientAddress}:{@code port}, whose reverse DNS name is {@code clientName}. */
        PmilterResponse.Reply connect(String clientAddress, int port, String clientName) {
            InetAddress address;
            try {
                address = InetAddress.getByName(clientAddress);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP literal: " + clientAddress, e);
            }
            return send(new PmilterRequest.Connect(seid, address, port, clientName, macrosFor(Command.CONNECT)));
        }

        /** EHLO {@code name}. */
        PmilterResponse.Reply helo(String name) {
            return send(new PmilterRequest.Ehlo(seid, name, HeloKind.EHLO, macrosFor(Command.EHLO)));
        }

        /** MAIL FROM:{@code reversePath} (with angle brackets, as smtps sends it). */
        PmilterResponse.Reply mail(String reversePath) {
            return mail(reversePath, null);
        }

        PmilterResponse.Reply mail(String reversePath, String esmtpArgs) {
            recipientIndex = 0;
            return send(new PmilterRequest.Mail(seid, reversePath, esmtpArgs, macrosFor(Command.MAIL)));
        }

        /** RCPT TO:{@code forwardPath}. */
        PmilterResponse.Reply rcpt(String forwardPath) {
            return rcpt(forwardPath, null);
        }

        PmilterResponse.Reply rcpt(String forwardPath, String esmtpArgs) {
            return send(new PmilterRequest.Rcpt(seid, forwardPath, recipientIndex++, esmtpArgs, macrosFor(Command.RCPT)));
        }

        /** An SMTP command smtps did not recognise, as the client sent it. */
        PmilterResponse.Reply unknown(String line) {
            return send(new PmilterRequest.Unknown(seid, line));
        }

        PmilterResponse.Reply data() {
            return send(new PmilterRequest.Data(seid, macrosFor(Command.DATA)));
        }

        /**
         * The message (headers, blank line, body; bare LF become CRLF) in MSG chunks of at most
         * {@link PmilterCodes#MAX_CHUNK_LENGTH} bytes; returns the first reply that is not CONTINUE,
         * or the last one.
         */
        PmilterResponse.Reply message(String text) {
            return message(text.replaceAll("\r?\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        /** The message exactly as given (CRLF line ends, not dot-stuffed), in MSG chunks as above. */
        PmilterResponse.Reply message(byte[] bytes) {
            PmilterResponse.Reply reply = null;
            int at = 0;
            do {
                int length = Math.min(PmilterCodes.MAX_CHUNK_LENGTH, bytes.length - at);
                reply = send(new PmilterRequest.Msg(seid, Unpooled.copiedBuffer(bytes, at, length)));
                at += length;
            } while (at < bytes.length && reply.code() == ReplyCode.CONTINUE);
            return reply;
        }

        /** DOT: end of message; the reply carries the modifications. */
        PmilterResponse.Reply dot() {
            return send(new PmilterRequest.Dot(seid, macrosFor(Command.DOT)));
        }

        /** ABORT (RSET): the transaction ends, the session goes on. */
        PmilterResponse.Reply abort() {
            return send(new PmilterRequest.Abort(seid));
        }

        /** CLOSE: the SMTP session ended (no reply; returns once written). */
        void close() {
            await(connection.send(new PmilterRequest.Close(seid)), "CLOSE for session " + seid);
        }

        private PmilterResponse.Reply send(PmilterRequest.SessionRequest request) {
            return await(connection.send(request), request.command() + " for session " + seid);
        }

        /** Exactly the macros pmult asked for at the command's stage, as far as this smtps knows them. */
        private PmilterMacros macrosFor(Command command) {
            PmilterMacros.Builder macros = PmilterMacros.builder();
            for (Macro macro : negotiation.macrosAt(command.macroStage())) {
                String value = sessionMacros.getOrDefault(macro, knownMacros.get(macro));
                if (value != null) {
                    macros.add(macro, value);
                }
            }
            return macros.build();
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(REPLY_WAIT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": no answer within " + REPLY_WAIT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
    }
}
