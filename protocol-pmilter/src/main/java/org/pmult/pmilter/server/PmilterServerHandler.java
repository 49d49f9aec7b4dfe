package org.pmult.pmilter.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The pmilter side of one connection from smtps, installed after {@link PmilterServerCodec}. It
 * answers NEGOTIATE through a {@link PmilterNegotiator} and PING itself, and multiplexes the SMTP
 * sessions (§10.3): CONNECT opens a session through the {@link PmilterSessionFactory}, later commands
 * go to that session's handler by SEID, one at a time, and each reply is written tagged with its SEID
 * as soon as it is ready (sessions interleave). Protocol slips by smtps (unknown SEID, duplicate
 * CONNECT, a second outstanding command, an unknown CMD with a SEID) are answered with RCODE ERROR.
 * When the connection ends every live session is told exactly once. One instance per connection;
 * all state is touched on the connection's event loop only. Work for one session — handing it a
 * command, writing its reply, telling it the end — runs with its SEID in the MDC under
 * {@value #MDC_SESSION}.
 */
public final class PmilterServerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PmilterServerHandler.class);
    /** MDC key under which every log line about a session carries its SEID. */
    public static final String MDC_SESSION = "session";

    /** Where the connection stands. */
    private enum State {
        /** Connected; no NEGOTIATE yet, so no session may start. */
        AWAITING_NEGOTIATE,
        /** Negotiated; sessions come and go. */
        READY,
        /** The channel closed; every session has been told. */
        CLOSED
    }

    /** One live SMTP session. */
    private static final class Session {
        final String seid;
        final PmilterSessionHandler handler;
        /** The command whose reply is still outstanding, or {@code null}. */
        Command outstanding;

        Session(String seid, PmilterSessionHandler handler) {
            this.seid = seid;
            this.handler = handler;
        }
    }

    private final PmilterNegotiator negotiator;
    private final PmilterSessionFactory sessionFactory;
    private final int configuredMaxSessions;
    private final Map<String, Session> sessions = new HashMap<>();

    private State state = State.AWAITING_NEGOTIATE;
    private int maxSessions;
    private boolean protocolError;
    private Channel channel;

    /**
     * @param maxSessions most concurrent sessions on this connection (0 = no limit); if the negotiated
     *                    MAXSESS is lower and not 0, that applies. CONNECT beyond it gets TEMPFAIL.
     */
    public PmilterServerHandler(PmilterNegotiator negotiator, PmilterSessionFactory sessionFactory, int maxSessions) {
        this.negotiator = Objects.requireNonNull(negotiator, "negotiator");
        this.sessionFactory = Objects.requireNonNull(sessionFactory, "sessionFactory");
        if (maxSessions < 0) {
            throw new IllegalArgumentException("maxSessions: " + maxSessions + " (expected: >= 0, 0 = no limit)");
        }
        this.configuredMaxSessions = maxSessions;
        this.maxSessions = maxSessions;
    }

    /** Number of live sessions; for tests and metrics (event loop only). */
    public int sessionCount() {
        return sessions.size();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof PmilterRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        String previous = enterSession(seidOf(request));
        try {
            PmilterTranscript.received(channel, request);
            if (request instanceof PmilterRequest.Negotiate offer) {
                negotiate(ctx, offer);
            } else if (request instanceof PmilterRequest.Ping) {
                write(new PmilterResponse.PingReply());
            } else if (request instanceof PmilterRequest.UnknownCommand unknown) {
                unknownCommand(unknown);
            } else if (request instanceof PmilterRequest.SessionRequest sessionRequest) {
                sessionCommand(sessionRequest);
            }
        } finally {
            leaveSession(previous);
        }
    }

    /** The SEID a request belongs to, or {@code null} for connection-level requests. */
    private static String seidOf(PmilterRequest request) {
        if (request instanceof PmilterRequest.SessionRequest sessionRequest) {
            return sessionRequest.seid();
        }
        return request instanceof PmilterRequest.UnknownCommand unknown ? unknown.seid() : null;
    }

    private void negotiate(ChannelHandlerContext ctx, PmilterRequest.Negotiate offer) {
        PmilterResponse.NegotiateReply reply;
        try {
            reply = Objects.requireNonNull(negotiator.negotiate(offer), "negotiator returned null");
        } catch (RuntimeException e) {
            LOG.error("pmilter connection {}: cannot negotiate with offer {}: {}; closing connection",
                    remote(), offer, e.toString(), e);
            ctx.close();
            return;
        }
        maxSessions = effectiveMaxSessions(configuredMaxSessions, reply.maxSessions());
        LOG.debug("pmilter connection {}: negotiated: smtps offered {}, we answered {}", remote(), offer, reply);
        state = State.READY;
        write(reply);
    }

    private static int effectiveMaxSessions(int configured, int announced) {
        if (configured == 0) {
            return announced;
        }
        return announced == 0 ? configured : Math.min(configured, announced);
    }

    private void unknownCommand(PmilterRequest.UnknownCommand unknown) {
        if (unknown.seid() == null) {
            LOG.warn("pmilter connection {}: unknown command {} without session id; ignored",
                    remote(), PmilterCodes.hex4(unknown.code()));
            return;
        }
        LOG.warn("pmilter connection {}: session {}: unknown command {}; replying ERROR",
                remote(), unknown.seid(), PmilterCodes.hex4(unknown.code()));
        write(new PmilterResponse.Reply(unknown.seid(), ReplyCode.ERROR));
    }

    private void sessionCommand(PmilterRequest.SessionRequest request) {
        String seid = request.seid();
        if (request instanceof PmilterRequest.Close) {
            Session session = sessions.remove(seid);
            if (session == null) {
                LOG.debug("pmilter connection {}: CLOSE for session {} which is not open; ignored", remote(), seid);
            } else {
                notifyClosed(session, CloseReason.CLOSE_COMMAND);
            }
            return;
        }
        if (state != State.READY) {
            refuse(request, ReplyCode.ERROR, null, "arrived before NEGOTIATE");
            return;
        }
        if (request instanceof PmilterRequest.Connect connect) {
            open(connect);
            return;
        }
        Session session = sessions.get(seid);
        if (session == null) {
            refuse(request, ReplyCode.ERROR, null, "is for a session that is not open (no CONNECT, or already closed)");
        } else if (session.outstanding != null) {
            refuse(request, ReplyCode.ERROR, null, "arrived while " + session.outstanding
                    + " is still outstanding (one command per session at a time)");
        } else {
            dispatch(session, request);
        }
    }

    private void open(PmilterRequest.Connect connect) {
        String seid = connect.seid();
        if (sessions.containsKey(seid)) {
            refuse(connect, ReplyCode.ERROR, null, "repeats the session id of a live session");
            return;
        }
        if (maxSessions != 0 && sessions.size() >= maxSessions) {
            refuse(connect, ReplyCode.TEMPFAIL, "451 4.3.2 Too many sessions on this pmilter connection (limit "
                    + maxSessions + ")", "exceeds the limit of " + maxSessions + " sessions per connection");
            return;
        }
        PmilterSessionHandler handler;
        try {
            handler = Objects.requireNonNull(sessionFactory.open(seid, connect, channel), "session factory returned null");
        } catch (RuntimeException e) {
            LOG.error("pmilter connection {}: session {}: cannot open session: {}; replying ERROR",
                    remote(), seid, e.toString(), e);
            write(new PmilterResponse.Reply(seid, ReplyCode.ERROR));
            return;
        }
        Session session = new Session(seid, handler);
        sessions.put(seid, session);
        dispatch(session, connect);
    }

    private void refuse(PmilterRequest.SessionRequest request, ReplyCode code, String text, String why) {
        LOG.warn("pmilter connection {}: session {}: {} {}; replying {}", remote(), request.seid(),
                request.command(), why, code);
        ReferenceCountUtil.release(request);
        write(new PmilterResponse.Reply(request.seid(), code, text));
    }

    private void dispatch(Session session, PmilterRequest.SessionRequest request) {
        Command command = request.command();
        session.outstanding = command;
        CompletionStage<PmilterResponse.Reply> stage;
        try {
            stage = Objects.requireNonNull(session.handler.handle(request), "session handler returned null");
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((reply, error) -> {
            if (channel.eventLoop().inEventLoop()) {
                complete(session, command, reply, error);
            } else {
                channel.eventLoop().execute(() -> complete(session, command, reply, error));
            }
        });
    }

    private void complete(Session session, Command command, PmilterResponse.Reply reply, Throwable error) {
        String previous = enterSession(session.seid);
        try {
            writeReply(session, command, reply, error);
        } finally {
            leaveSession(previous);
        }
    }

    private void writeReply(Session session, Command command, PmilterResponse.Reply reply, Throwable error) {
        if (sessions.get(session.seid) != session) {
            LOG.debug("pmilter connection {}: session {}: reply to {} dropped, the session is closed",
                    remote(), session.seid, command);
            return;
        }
        session.outstanding = null;
        if (error != null) {
            LOG.warn("pmilter connection {}: session {}: {} failed: {}; replying ERROR",
                    remote(), session.seid, command, error.toString());
            write(new PmilterResponse.Reply(session.seid, ReplyCode.ERROR));
        } else if (reply == null || !reply.seid().equals(session.seid)
                || (command != Command.DOT && !reply.modifications().isEmpty())) {
            LOG.error("pmilter connection {}: session {}: invalid reply to {}: {} (expected: this session's id, "
                    + "modifications only at DOT); replying ERROR", remote(), session.seid, command, reply);
            write(new PmilterResponse.Reply(session.seid, ReplyCode.ERROR));
        } else {
            write(reply);
        }
    }

    private void write(PmilterResponse response) {
        PmilterTranscript.sent(channel, response);
        channel.writeAndFlush(response).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            protocolError = true;
            LOG.warn("pmilter connection {}: malformed message: {}; closing the connection and its {} sessions",
                    remote(), cause.getMessage(), sessions.size());
        } else if (cause instanceof IOException) {
            LOG.info("pmilter connection {}: {}; closing the connection and its {} sessions",
                    remote(), cause.toString(), sessions.size());
        } else {
            LOG.error("pmilter connection {}: unexpected error; closing the connection and its {} sessions",
                    remote(), sessions.size(), cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        CloseReason reason = protocolError ? CloseReason.PROTOCOL_ERROR : CloseReason.CONNECTION_CLOSED;
        List<Session> live = new ArrayList<>(sessions.values());
        sessions.clear();
        if (!live.isEmpty()) {
            LOG.debug("pmilter connection {}: closed; ending {} live sessions ({})", remote(), live.size(), reason);
        }
        for (Session session : live) {
            notifyClosed(session, reason);
        }
        ctx.fireChannelInactive();
    }

    private void notifyClosed(Session session, CloseReason reason) {
        String previous = enterSession(session.seid);
        try {
            session.handler.closed(reason);
        } catch (RuntimeException e) {
            LOG.error("pmilter connection {}: session {}: session handler failed while closing ({})",
                    remote(), session.seid, reason, e);
        } finally {
            leaveSession(previous);
        }
    }

    /** Puts {@code seid} in the MDC (nothing if null); returns what was there for {@link #leaveSession}. */
    private static String enterSession(String seid) {
        String previous = MDC.get(MDC_SESSION);
        if (seid != null) {
            MDC.put(MDC_SESSION, seid);
        }
        return previous;
    }

    private static void leaveSession(String previous) {
        if (previous == null) {
            MDC.remove(MDC_SESSION);
        } else {
            MDC.put(MDC_SESSION, previous);
        }
    }

    private Object remote() {
        return channel == null ? "?" : channel.remoteAddress();
    }
}
