package org.pmult.milter.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacros;

import java.net.SocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * The MTA side of one Milter connection: connects, negotiates, then offers one method per SMTP
 * stage, each returning a future verdict. Calls may come from any thread and may be issued without
 * waiting; they are queued and run in order on the session's event loop, where all its state lives.
 *
 * <p>Stages the filter switched off, or that its version lacks, answer CONTINUE at once and send
 * nothing; stages it will not answer ({@code SMFIP_NR_*}) complete once written. Every write,
 * every reply and the end of message have a timeout. Any failure — connect refused or timed out,
 * a timeout, the filter closing the connection, a protocol violation — closes the socket, and
 * every pending and later call answers {@link MilterVerdict.DefaultActionApplied} with the
 * configured {@link DefaultAction}. If the filter closes the connection right after the option
 * negotiation offer (GNU mailfromd does when it dislikes the flags), the session reconnects once
 * and offers version 2. Connection attempts go through the settings' {@link ConnectGate}, and a
 * transient failure is tried again ({@link ConnectAttempts}) for as long as the connect timeout
 * allows.
 *
 * <p>This class is the caller's side only: each call becomes a {@link MilterStep} handed to the
 * session's {@link MilterProtocolEngine} (states, what may be sent, what each reply means), which
 * drives a {@link NettyMilterConnection} (socket, connecting and retrying, timers, wire log);
 * {@link ConnectionRecycling} decides when a connection may serve the next session.
 */
public final class MilterClientSession {

    /** Logger of the Milter wire transcript (hex dump of every frame at TRACE). */
    public static final String WIRE_LOGGER = "org.pmult.milter.wire";

    private final SocketAddress address;
    private final MilterClientSettings settings;
    private final EventLoop eventLoop;
    private final String peer;
    private final Promise<NegotiatedOptions> negotiation;
    private final NettyMilterConnection connection;
    /** Lives on {@link #eventLoop}: every step is handed to it there. */
    private final MilterProtocolEngine engine;

    private MilterClientSession(Bootstrap bootstrap, SocketAddress address, MilterClientSettings settings) {
        this.address = Objects.requireNonNull(address, "address");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.eventLoop = bootstrap.config().group().next();
        this.peer = "milter \"" + settings.name() + "\" (" + LogText.describe(address) + ")";
        this.negotiation = eventLoop.newPromise();
        this.connection = new NettyMilterConnection(bootstrap, eventLoop, address, settings, peer, negotiation);
        this.engine = connection.engine();
    }

    /**
     * Connects to the filter at {@code address} and negotiates. {@code bootstrap} comes configured
     * with its event loop group and channel class (epoll or NIO, inet or unix, matching
     * {@code address}); the session adds its own pipeline and pins itself to one event loop of that
     * group — pass a bootstrap whose group is a single {@link EventLoop} (e.g. the MTA connection's
     * own) to avoid thread hand-offs. Returns at once; see {@link #negotiation()}.
     */
    public static MilterClientSession open(Bootstrap bootstrap, SocketAddress address, MilterClientSettings settings) {
        MilterClientSession session = new MilterClientSession(bootstrap, address, settings);
        session.execute(session.connection::begin);
        return session;
    }

    /** Completes with the negotiated options, or fails with a {@link MilterClientException}. */
    public Future<NegotiatedOptions> negotiation() {
        return negotiation;
    }

    /** SMFIC_CONNECT: the SMTP client connected. For {@link AddressFamily#UNKNOWN} pass port 0 and "". */
    public Future<MilterVerdict> connect(MilterMacros macros, String hostname, AddressFamily family, int port,
                                         String clientAddress) {
        return verdictStep(MilterStage.CONNECT, macros, new MilterCommand.Connect(hostname, family, port, clientAddress));
    }

    /** SMFIC_HELO: the HELO/EHLO argument. */
    public Future<MilterVerdict> helo(MilterMacros macros, String heloName) {
        return verdictStep(MilterStage.HELO, macros, new MilterCommand.Helo(heloName));
    }

    /** SMFIC_MAIL: a new message from {@code sender} (normally in angle brackets). */
    public Future<MilterVerdict> mail(MilterMacros macros, String sender, List<String> esmtpArgs) {
        return verdictStep(MilterStage.MAIL, macros, new MilterCommand.Mail(sender, esmtpArgs));
    }

    /** SMFIC_RCPT: one recipient; a rejection applies to this recipient only. */
    public Future<MilterVerdict> rcpt(MilterMacros macros, String recipient, List<String> esmtpArgs) {
        return verdictStep(MilterStage.RCPT, macros, new MilterCommand.Rcpt(recipient, esmtpArgs));
    }

    /** SMFIC_DATA (v4+): the DATA command. */
    public Future<MilterVerdict> data(MilterMacros macros) {
        return verdictStep(MilterStage.DATA, macros, MilterCommand.DATA);
    }

    /**
     * SMFIC_HEADER: one header field; {@code value} is everything after the colon as received. One
     * leading space goes unless the filter negotiated SMFIP_HDR_LEADSPC ({@link HeaderLeadingSpace}).
     */
    public Future<MilterVerdict> header(MilterMacros macros, String name, String value) {
        NegotiatedOptions options = engine.options();
        String sent = options == null ? value : HeaderLeadingSpace.toFilter(value, options);
        return verdictStep(MilterStage.HEADER, macros, new MilterCommand.Header(name, sent));
    }

    /** SMFIC_EOH: all headers sent. */
    public Future<MilterVerdict> endOfHeaders(MilterMacros macros) {
        return verdictStep(MilterStage.EOH, macros, MilterCommand.END_OF_HEADERS);
    }

    /**
     * SMFIC_BODY: body bytes (CRLF line ends). Takes ownership of {@code content} and releases it;
     * sends it in chunks of at most {@link MilterCodes#MAX_BODY_CHUNK} bytes without copying, each
     * answered before the next goes out (unless NR_BODY). Answers the first verdict other than
     * CONTINUE; after SKIP, further body calls answer SKIP and send nothing.
     */
    public Future<MilterVerdict> body(MilterMacros macros, ByteBuf content) {
        Objects.requireNonNull(content, "content");
        Promise<MilterVerdict> promise = eventLoop.newPromise();
        if (macros == null) {
            content.release();
            throw new NullPointerException("macros");
        }
        return submit(new MilterStep.Body(macros, content, promise), promise);
    }

    /**
     * SMFIC_BODYEOB: end of message. Answers the final verdict with the filter's modifications in
     * order; release the result's replacement body chunks with {@link MilterEndOfMessage#release()}.
     * Each SMFIR_PROGRESS restarts the end-of-message timer.
     */
    public Future<MilterEndOfMessage> endOfMessage(MilterMacros macros) {
        Promise<MilterEndOfMessage> promise = eventLoop.newPromise();
        return submit(new MilterStep.EndOfMessage(Objects.requireNonNull(macros, "macros"), promise), promise);
    }

    /** SMFIC_ABORT: forget the current message, keep the connection. Never answered by the filter. */
    public Future<MilterVerdict> abort() {
        return verdictStep(MilterStage.ABORT, MilterMacros.EMPTY, MilterCommand.ABORT);
    }

    /** SMFIC_UNKNOWN (v3+): an SMTP command the MTA does not know. */
    public Future<MilterVerdict> unknown(MilterMacros macros, String commandLine) {
        return verdictStep(MilterStage.UNKNOWN, macros, new MilterCommand.Unknown(commandLine));
    }

    /**
     * Sends SMFIC_QUIT after the calls already queued and closes the connection; completes once
     * it is closed. During connect or negotiation it closes at once. Later calls answer the
     * default action.
     */
    public Future<Void> close() {
        Promise<Void> promise = eventLoop.newPromise();
        return submit(new MilterStep.Close(promise, false), promise);
    }

    /**
     * Ends this SMTP session but keeps the connection for the next one: sends SMFIC_QUIT_NC after
     * the calls already queued, and the session is {@link MilterClientState#READY} for a new
     * {@link #connect} on the same connection (no new option negotiation). Completes with true once
     * that is so. Completes with false, having closed the session as {@link #close()} does, when the
     * connection cannot be kept: the filter negotiated a version before 6 (which has no QUIT_NC),
     * the session failed or was closed, a message is still open, a reply is outstanding, or the
     * filter decided for the whole connection. A session that never sent CONNECT is kept as it is.
     */
    public Future<Boolean> recycle() {
        Promise<Boolean> promise = eventLoop.newPromise();
        // Added first, so whoever keeps the connection already sees it serving nobody.
        promise.addListener(kept -> {
            if (Boolean.TRUE.equals(kept.getNow())) {
                connection.logContext(LogContext.NONE);
            }
        });
        return submit(new MilterStep.Close(promise, true), promise);
    }

    /**
     * Whom this connection serves from now on (e.g. one SMTP session): every event it handles — a
     * reply, a timeout, a write or connect completing, the connection closing — runs with the
     * context's keys in the MDC, so its warnings carry them. A kept connection goes back to
     * {@link LogContext#NONE} once {@link #recycle()} succeeded. Call on {@link #eventLoop()}.
     */
    public void logContext(LogContext context) {
        connection.logContext(Objects.requireNonNull(context, "context"));
    }

    /**
     * Whether this connection served an earlier SMTP session ({@link #recycle()} kept it). On such a
     * connection the reply to the next CONNECT is awaited for half the read timeout only: a filter
     * that silently dropped SMFIC_QUIT_NC drops that CONNECT too, and the session is better served on
     * a new connection ({@link MilterFailure.Kind#TIMEOUT} at {@link MilterStage#CONNECT}, reported
     * to {@link MilterClientObserver#onKeptConnectionUnanswered()} instead of as a failure).
     */
    public boolean reused() {
        return engine.reused();
    }

    /** The current state (for diagnostics and tests; it may change right after the read). */
    public MilterClientState state() {
        return engine.state();
    }

    /** The event loop all of this session's work runs on. */
    public EventLoop eventLoop() {
        return eventLoop;
    }

    public SocketAddress address() {
        return address;
    }

    public MilterClientSettings settings() {
        return settings;
    }

    @Override
    public String toString() {
        return peer;
    }

    // ---------------------------------------------------------------- handing steps to the engine

    private Future<MilterVerdict> verdictStep(MilterStage stage, MilterMacros macros, MilterCommand command) {
        Promise<MilterVerdict> promise = eventLoop.newPromise();
        return submit(new MilterStep.Verdict(stage, Objects.requireNonNull(macros, "macros"), command, promise), promise);
    }

    private <T> Future<T> submit(MilterStep step, Promise<T> promise) {
        if (eventLoop.inEventLoop()) {
            engine.submit(step);
        } else {
            try {
                eventLoop.execute(() -> {
                    try (LogContext.Scope ignored = connection.enterLogContext()) {
                        engine.submit(step);
                    }
                });
            } catch (RejectedExecutionException e) {
                step.release();
                promise.tryFailure(e);
            }
        }
        return promise;
    }

    private void execute(Runnable task) {
        if (eventLoop.inEventLoop()) {
            task.run();
        } else {
            eventLoop.execute(task);
        }
    }
}
