package org.pmult.milter.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.logging.ByteBufFormat;
import io.netty.handler.logging.LogLevel;
import io.netty.handler.logging.LoggingHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.pmult.milter.codec.MilterCodecException;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandEncoder;
import org.pmult.milter.codec.MilterFrameDecoder;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

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
 */
public final class MilterClientSession {

    private static final Logger LOG = LoggerFactory.getLogger(MilterClientSession.class);
    /** Logger of the Milter wire transcript (hex dump of every frame at TRACE). */
    public static final String WIRE_LOGGER = "org.pmult.milter.wire";
    private static final Logger WIRE_LOG = LoggerFactory.getLogger(WIRE_LOGGER);
    private static final MilterReplyDecoder REPLY_DECODER = new MilterReplyDecoder();
    /** Bounds what one end of message may accumulate; far beyond any real filter (a 4 GiB body is 65536 chunks). */
    static final int MAX_MODIFICATIONS = 65_536;

    private final Bootstrap bootstrap;
    private final SocketAddress address;
    private final MilterClientSettings settings;
    private final EventLoop eventLoop;
    private final String peer;
    private final Promise<NegotiatedOptions> negotiation;
    private final ArrayDeque<Step> queue = new ArrayDeque<>();

    // Everything below is only touched on eventLoop (state is volatile for state() from other threads).
    private volatile MilterClientState state = MilterClientState.NEW;
    private Channel channel;
    private MilterCommand.OptionNegotiation offer;
    private NegotiatedOptions options;
    /** The step whose command is being written or answered; null when idle. */
    private Step inFlight;
    /** The write, reply or end-of-message timer of {@link #inFlight}. */
    private ScheduledFuture<?> timer;
    private long sentAtNanos;
    /** The answer in REJECT_CONNECTION (the rejection) and in ERROR/CLOSED (the default action). */
    private MilterVerdict storedVerdict;
    /** The last D command per stage, reused for the same macro holder (see {@link #macrosCommand}). */
    private final MilterCommand.Macros[] macrosCommands = new MilterCommand.Macros[MilterStage.values().length];
    /** SMFIC_QUIT_NC was the last thing sent: a close now means the filter refuses connection reuse. */
    private boolean quitNcSent;
    /** Whether the filter would take SMFIC_QUIT_NC now (libmilter's rule). */
    private final QuitNcAcceptance quitNcAcceptance = new QuitNcAcceptance();
    /** This connection served an earlier SMTP session (it was kept after SMFIC_QUIT_NC). */
    private volatile boolean reused;
    /** Kept after SMFIC_QUIT_NC and the next CONNECT not answered yet: silence means the filter dropped both. */
    private boolean keptAwaitingConnectReply;
    /** Re-entrancy guard: completing a step may run caller code that submits the next one. */
    private boolean draining;
    /** Whom the connection serves now, for the MDC of every log line about it (see {@link #logContext}). */
    private LogContext logContext = LogContext.NONE;
    /** The connection attempts until the negotiation has an outcome; null before the first. */
    private ConnectAttempts attempts;

    private MilterClientSession(Bootstrap bootstrap, SocketAddress address, MilterClientSettings settings) {
        this.address = Objects.requireNonNull(address, "address");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.eventLoop = bootstrap.config().group().next();
        this.peer = "milter \"" + settings.name() + "\" (" + describe(address) + ")";
        this.negotiation = eventLoop.newPromise();
        int maxFrameLength = settings.maxFrameLength();
        MilterCommandEncoder encoder = new MilterCommandEncoder(maxFrameLength);
        this.bootstrap = bootstrap.clone(eventLoop)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LogContextHandler(MilterClientSession.this));
                        if (WIRE_LOG.isTraceEnabled()) {
                            // The protocol transcript (--debug at its highest level): every frame in hex.
                            ch.pipeline().addLast(new LoggingHandler(WIRE_LOGGER, LogLevel.TRACE, ByteBufFormat.HEX_DUMP));
                        }
                        ch.pipeline().addLast(new MilterFrameDecoder(maxFrameLength), REPLY_DECODER, encoder,
                                new MilterClientHandler(MilterClientSession.this));
                    }
                });
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
        session.execute(session::connectFirstTime);
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
        return submit(new BodyStep(macros, content, promise), promise);
    }

    /**
     * SMFIC_BODYEOB: end of message. Answers the final verdict with the filter's modifications in
     * order; release the result's replacement body chunks with {@link MilterEndOfMessage#release()}.
     * Each SMFIR_PROGRESS restarts the end-of-message timer.
     */
    public Future<MilterEndOfMessage> endOfMessage(MilterMacros macros) {
        Promise<MilterEndOfMessage> promise = eventLoop.newPromise();
        return submit(new EndOfMessageStep(Objects.requireNonNull(macros, "macros"), promise), promise);
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
        return submit(new CloseStep(promise, false), promise);
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
                logContext = LogContext.NONE;
            }
        });
        return submit(new CloseStep(promise, true), promise);
    }

    /**
     * Whom this connection serves from now on (e.g. one SMTP session): every event it handles — a
     * reply, a timeout, a write or connect completing, the connection closing — runs with the
     * context's keys in the MDC, so its warnings carry them. A kept connection goes back to
     * {@link LogContext#NONE} once {@link #recycle()} succeeded. Call on {@link #eventLoop()}.
     */
    public void logContext(LogContext context) {
        this.logContext = Objects.requireNonNull(context, "context");
    }

    /** Enters the current log context; for {@link LogContextHandler}, which delivers the pipeline's events. */
    LogContext.Scope enterLogContext() {
        return logContext.enter();
    }

    /**
     * Whether this connection served an earlier SMTP session ({@link #recycle()} kept it). On such a
     * connection the reply to the next CONNECT is awaited for half the read timeout only: a filter
     * that silently dropped SMFIC_QUIT_NC drops that CONNECT too, and the session is better served on
     * a new connection ({@link MilterFailure.Kind#TIMEOUT} at {@link MilterStage#CONNECT}, reported
     * to {@link MilterClientObserver#onKeptConnectionUnanswered()} instead of as a failure).
     */
    public boolean reused() {
        return reused;
    }

    /** The current state (for diagnostics and tests; it may change right after the read). */
    public MilterClientState state() {
        return state;
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

    // ---------------------------------------------------------------- queue

    private Future<MilterVerdict> verdictStep(MilterStage stage, MilterMacros macros, MilterCommand command) {
        Promise<MilterVerdict> promise = eventLoop.newPromise();
        return submit(new VerdictStep(stage, Objects.requireNonNull(macros, "macros"), command, promise), promise);
    }

    private <T> Future<T> submit(Step step, Promise<T> promise) {
        if (eventLoop.inEventLoop()) {
            enqueue(step);
        } else {
            try {
                eventLoop.execute(() -> {
                    try (LogContext.Scope ignored = logContext.enter()) {
                        enqueue(step);
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

    private void enqueue(Step step) {
        // Closing while negotiating or while a reply is outstanding (the MTA side went away): quit at
        // once instead of holding the milter connection until that reply's timeout.
        if (step instanceof CloseStep close && (state.awaitsNegotiation() || inFlight != null)) {
            closeNow(close);
            return;
        }
        queue.add(step);
        drain();
    }

    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (inFlight == null && !state.awaitsNegotiation()) {
                Step step = queue.poll();
                if (step == null) {
                    break;
                }
                start(step);
            }
        } finally {
            draining = false;
        }
    }

    private void start(Step step) {
        switch (state.dispose(step.stage)) {
            case WAIT -> throw new IllegalStateException(peer + ": bad state " + state + " to start " + step.stage.tag());
            case ILLEGAL -> {
                step.release();
                step.failCaller(new IllegalStateException(peer + ": " + step.stage.tag()
                        + " is not allowed in state " + state));
            }
            case ANSWER_STORED -> {
                step.release();
                step.succeed(storedVerdict);
            }
            case ANSWER_SKIP -> {
                step.release();
                step.succeed(MilterVerdict.SKIP);
            }
            case ANSWER_CONTINUE -> {
                if (step instanceof CloseStep close) {
                    closeNow(close);
                    return;
                }
                state = state.next(step.stage);
                step.release();
                step.succeed(MilterVerdict.CONTINUE);
            }
            case SEND -> {
                if (step instanceof CloseStep close) {
                    if (close.keepConnection && canRecycle()) {
                        recycleNow(close);
                    } else {
                        if (close.keepConnection && state == MilterClientState.ENVELOPE) {
                            LOG.debug("{}: ending with SMFIC_QUIT: libmilter takes SMFIC_QUIT_NC only after end of"
                                    + " message answered CONTINUE or after an unknown command", peer);
                        }
                        closeNow(close);
                    }
                    return;
                }
                state = state.next(step.stage);
                if (!options.sends(step.stage) || step.isEmpty()) {
                    step.release();
                    step.succeed(MilterVerdict.CONTINUE);
                    return;
                }
                inFlight = step;
                quitNcAcceptance.sent(step.stage);
                send(step, true);
            }
        }
    }

    private void finish(Step step, MilterVerdict verdict) {
        inFlight = null;
        step.release();
        step.succeed(verdict);
        drain();
    }

    // ---------------------------------------------------------------- connect and negotiate

    private void connectFirstTime() {
        if (state == MilterClientState.NEW) {
            state = MilterClientState.CONNECTING;
            attempts = new ConnectAttempts(eventLoop, settings, new ConnectAttempts.Target() {
                @Override
                public void attempt(Duration remaining) {
                    attemptNow(remaining);
                }

                @Override
                public void giveUp(MilterFailure.Kind kind, String message) {
                    fail(MilterStage.NEGOTIATE, kind, message);
                }
            });
            attempts.begin();
        }
    }

    /** One attempt, offering the configured version; the connect may take at most {@code remaining}. */
    private void attemptNow(Duration remaining) {
        if (state != MilterClientState.CONNECTING) {
            return;
        }
        bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(remaining.toMillis(),
                Integer.MAX_VALUE)));
        int version = settings.offeredVersion();
        connect(new MilterCommand.OptionNegotiation(version, settings.offeredActions(),
                settings.offeredProtocol() & MilterCodes.protocolMask(version)));
    }

    private void connect(MilterCommand.OptionNegotiation offered) {
        this.offer = offered;
        state = MilterClientState.CONNECTING;
        LOG.debug("{}: connecting, offering {}", peer, offered);
        ChannelFuture connecting;
        try {
            connecting = bootstrap.connect(address);
        } catch (RuntimeException e) {
            attemptFailed(MilterFailure.Kind.CONNECT, "cannot connect: " + describe(e), false);
            return;
        }
        channel = connecting.channel();
        connecting.addListener((ChannelFutureListener) this::onConnected);
    }

    private void onConnected(ChannelFuture future) {
        try (LogContext.Scope ignored = logContext.enter()) {
            connected(future);
        }
    }

    private void connected(ChannelFuture future) {
        if (future.channel() != channel || state != MilterClientState.CONNECTING) {
            future.channel().close();
            return;
        }
        if (!future.isSuccess()) {
            attemptFailed(MilterFailure.Kind.CONNECT, "cannot connect: " + describe(future.cause()),
                    ConnectAttempts.isTransient(future.cause()));
            return;
        }
        state = MilterClientState.NEGOTIATING;
        NegotiationStep step = new NegotiationStep(offer);
        inFlight = step;
        send(step, false);
    }

    private void onNegotiated(MilterReply.OptionNegotiation reply) {
        NegotiatedOptions negotiated;
        try {
            negotiated = NegotiatedOptions.negotiate(offer, reply);
        } catch (MilterCodecException e) {
            attemptFailed(MilterFailure.Kind.PROTOCOL, e.getMessage(), false);
            return;
        }
        cancelTimer();
        attempts.succeeded();
        options = negotiated;
        long latency = System.nanoTime() - sentAtNanos;
        LOG.debug("{}: negotiated {}", peer, negotiated);
        notifyObserver(() -> {
            settings.observer().onReply(MilterStage.NEGOTIATE, MilterVerdict.CONTINUE, latency);
            settings.observer().onNegotiated(negotiated);
        });
        state = MilterClientState.READY;
        inFlight = null;
        negotiation.trySuccess(negotiated);
        drain();
    }

    private void retryWithVersion2() {
        cancelTimer();
        inFlight = null;
        LOG.warn("{}: closed the connection after SMFIC_OPTNEG offering version {}; retrying once offering version {}",
                peer, offer.version(), MilterCodes.MIN_VERSION);
        // Every v2 step flag is offered (pmult honours them all; mailfromd refuses fewer than it needs);
        // actions stay within what the configuration allows.
        connect(new MilterCommand.OptionNegotiation(MilterCodes.MIN_VERSION,
                settings.offeredActions() & MilterCodes.V2_FALLBACK_ACTIONS, MilterCodes.V2_PROTOCOL));
    }

    /**
     * A connection attempt ended without a negotiation: tried again after a backoff wait when
     * {@code isTransient} and the connect timeout allows, else the session fails.
     */
    private void attemptFailed(MilterFailure.Kind kind, String message, boolean isTransient) {
        cancelTimer();
        inFlight = null;
        Channel failed = channel;
        channel = null;
        if (failed != null) {
            failed.close();
        }
        String giveUp = attempts.failed(message, isTransient);
        boolean retrying = giveUp == null;
        notifyObserver(() -> settings.observer().onConnectAttemptFailed(message, retrying));
        if (retrying) {
            state = MilterClientState.CONNECTING;
            LOG.debug("{}: {}; trying again (attempt {} failed)", peer, message, attempts.failures());
        } else {
            channel = failed;
            fail(MilterStage.NEGOTIATE, kind, giveUp);
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * The D packet for a step; the record is kept per stage and reused while the caller passes the
     * same (refilled) macro holder, so a repeated stage allocates no new command.
     */
    private MilterCommand.Macros macrosCommand(Step step) {
        int index = step.stage.ordinal();
        MilterCommand.Macros cached = macrosCommands[index];
        if (cached == null || cached.macros() != step.macros) {
            cached = new MilterCommand.Macros(step.stage.command(), step.macros);
            macrosCommands[index] = cached;
        }
        return cached;
    }

    private void send(Step step, boolean withMacros) {
        Channel ch = channel;
        MilterCommand command = step.nextCommand();
        Object message = command;
        if (withMacros && !step.macros.isEmpty()) {
            MilterTranscript.sent(peer, macrosCommand(step));
            if (command instanceof MilterCommand.Body) {
                ch.write(macrosCommand(step)).addListener((ChannelFutureListener) f -> onWritten(f, step, false));
            } else {
                try {
                    message = MilterCommandEncoder.encodeWithMacros(ch.alloc(), macrosCommand(step), command,
                            settings.maxFrameLength());
                } catch (RuntimeException e) {
                    fail(step.stage, MilterFailure.Kind.PROTOCOL, "cannot send " + commandName(step) + ": " + describe(e));
                    return;
                }
            }
        }
        MilterTranscript.sent(peer, command);
        quitNcSent = false;
        sentAtNanos = System.nanoTime();
        ChannelFuture written = ch.writeAndFlush(message);
        if (!written.isDone()) {
            Duration timeout = settings.writeTimeout();
            schedule(() -> onTimeout(step, "could not send " + commandName(step) + " within " + format(timeout)), timeout);
        }
        written.addListener((ChannelFutureListener) f -> onWritten(f, step, true));
    }

    private void onWritten(ChannelFuture future, Step step, boolean isCommand) {
        try (LogContext.Scope ignored = logContext.enter()) {
            written(future, step, isCommand);
        }
    }

    private void written(ChannelFuture future, Step step, boolean isCommand) {
        if (step != inFlight) {
            return; // the step already ended (the session failed or closed)
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            MilterFailure.Kind kind = cause instanceof EncoderException
                    ? MilterFailure.Kind.PROTOCOL : MilterFailure.Kind.CLOSED;
            fail(step.stage, kind, "cannot send " + commandName(step) + ": " + describe(cause));
            return;
        }
        if (!isCommand) {
            return;
        }
        cancelTimer();
        if (awaitsReply(step)) {
            Duration timeout = replyTimeout(step);
            schedule(() -> onTimeout(step, "no reply to " + commandName(step) + " within " + format(timeout)), timeout);
        } else if (step.hasMore()) {
            send(step, false);
        } else {
            finish(step, MilterVerdict.CONTINUE);
        }
    }

    private Duration replyTimeout(Step step) {
        if (step.stage == MilterStage.EOM) {
            return settings.eomTimeout();
        }
        if (step.stage == MilterStage.CONNECT && keptAwaitingConnectReply) {
            return keptConnectTimeout(settings.readTimeout());
        }
        return settings.readTimeout();
    }

    /** How long the first CONNECT on a kept connection may go unanswered: half the read timeout. */
    static Duration keptConnectTimeout(Duration readTimeout) {
        return readTimeout.dividedBy(2).isZero() ? readTimeout : readTimeout.dividedBy(2);
    }

    private boolean awaitsReply(Step step) {
        return step.stage == MilterStage.NEGOTIATE || options.awaitsReply(step.stage);
    }

    // ---------------------------------------------------------------- reading

    void onReply(Channel ch, MilterReply reply) {
        if (ch != channel || state == MilterClientState.ERROR || state == MilterClientState.CLOSED) {
            ReferenceCountUtil.release(reply);
            return;
        }
        MilterTranscript.received(peer, reply);
        Step step = inFlight;
        if (step == null || !awaitsReply(step)) {
            ReferenceCountUtil.release(reply);
            fail(step == null ? MilterStage.CLOSE : step.stage, MilterFailure.Kind.PROTOCOL, "unexpected "
                    + reply.reply().libmilterName() + " while no command awaits a reply");
            return;
        }
        if (step.stage == MilterStage.NEGOTIATE) {
            if (reply instanceof MilterReply.OptionNegotiation optionNegotiation) {
                onNegotiated(optionNegotiation);
            } else {
                unexpected(step, reply);
            }
            return;
        }
        switch (reply.reply()) {
            case PROGRESS -> {
                if (step.stage == MilterStage.EOM) {
                    Duration timeout = settings.eomTimeout();
                    schedule(() -> onTimeout(step, "no reply to " + commandName(step) + " within "
                            + format(timeout) + " after the last SMFIR_PROGRESS"), timeout);
                } else {
                    unexpected(step, reply);
                }
            }
            case ADDHEADER, INSHEADER, CHGHEADER, ADDRCPT, ADDRCPT_PAR, DELRCPT, CHGFROM, REPLBODY, QUARANTINE ->
                    onModification(step, (MilterReply.Modification) reply);
            case SKIP -> {
                if (step.stage == MilterStage.BODY && options.has(ProtocolFlag.SKIP)) {
                    onVerdict(step, MilterVerdict.SKIP);
                } else {
                    unexpected(step, reply);
                }
            }
            case REPLYCODE -> {
                String text = ((MilterReply.ReplyCode) reply).text();
                ReplyTextValidator.Result checked = ReplyTextValidator.check(text);
                if (checked instanceof ReplyTextValidator.Valid valid) {
                    onVerdict(step, new MilterVerdict.ReplyCode(valid.text()));
                } else if (checked instanceof ReplyTextValidator.Invalid invalid) {
                    fail(step.stage, MilterFailure.Kind.PROTOCOL, "SMFIR_REPLYCODE in reply to " + commandName(step)
                            + " breaks the rule \"" + invalid.rule().description() + "\" (" + invalid.detail() + ")");
                }
            }
            case CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD, CONN_FAIL, SHUTDOWN ->
                    onVerdict(step, MilterVerdict.of(reply));
            case OPTNEG, SETSYMLIST -> unexpected(step, reply);
        }
    }

    private void onModification(Step step, MilterReply.Modification modification) {
        if (!(step instanceof EndOfMessageStep eom)) {
            unexpected(step, modification);
            return;
        }
        ActionFlag needed = modification.requiredAction();
        if (!options.allows(needed)) {
            ReferenceCountUtil.release(modification);
            fail(step.stage, MilterFailure.Kind.PROTOCOL, modification.reply().libmilterName() + " needs "
                    + needed.libmilterName() + ", which was not negotiated");
            return;
        }
        if (eom.modifications.size() >= MAX_MODIFICATIONS) {
            ReferenceCountUtil.release(modification);
            fail(step.stage, MilterFailure.Kind.PROTOCOL, "more than " + MAX_MODIFICATIONS
                    + " modifications in reply to " + commandName(step));
            return;
        }
        eom.modifications.add(HeaderLeadingSpace.fromFilter(modification, options));
    }

    private void onVerdict(Step step, MilterVerdict verdict) {
        cancelTimer();
        long latency = System.nanoTime() - sentAtNanos;
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} answered {} in {} us", peer, commandName(step), verdict, latency / 1000);
        }
        notifyObserver(() -> settings.observer().onReply(step.stage, verdict, latency));
        quitNcAcceptance.answered(step.stage, verdict);
        keptAwaitingConnectReply = false;
        if (verdict == MilterVerdict.CONTINUE && step.hasMore()) {
            send(step, false);
            return;
        }
        MilterClientState after = state.afterVerdict(step.stage, verdict);
        if (after == MilterClientState.REJECT_CONNECTION && state != MilterClientState.REJECT_CONNECTION) {
            storedVerdict = verdict;
        }
        state = after;
        finish(step, verdict);
    }

    private void unexpected(Step step, MilterReply reply) {
        ReferenceCountUtil.release(reply);
        fail(step.stage, MilterFailure.Kind.PROTOCOL, "unexpected " + reply.reply().libmilterName()
                + " in reply to " + commandName(step));
    }

    // ---------------------------------------------------------------- closing and failing

    void onChannelInactive(Channel ch) {
        if (ch != channel) {
            return;
        }
        switch (state) {
            case NEGOTIATING -> {
                if (offer.version() > MilterCodes.MIN_VERSION) {
                    retryWithVersion2();
                } else {
                    // a filter restarting or overloaded closes before answering: worth another try
                    attemptFailed(MilterFailure.Kind.CLOSED,
                            "closed the connection during option negotiation (offered " + offer + ")", true);
                }
            }
            case READY, ENVELOPE, MESSAGE, SKIPPING_BODY, ACCEPT_MESSAGE -> {
                Step step = inFlight;
                if (state == MilterClientState.READY && step == null && queue.isEmpty()) {
                    closedWhileIdle();
                    return;
                }
                fail(step == null ? MilterStage.CLOSE : step.stage, MilterFailure.Kind.CLOSED, step == null
                        ? "connection closed by the milter"
                        : "connection closed while waiting for the reply to " + commandName(step));
            }
            case ACCEPT_CONNECTION, REJECT_CONNECTION ->
                    LOG.debug("{}: connection closed after the milter decided for the whole connection", peer);
            case NEW, CONNECTING, ERROR, CLOSED -> {
                // connect failures are reported by the connect listener; the rest we closed ourselves
            }
        }
    }

    void onException(Channel ch, Throwable cause) {
        if (ch != channel || state == MilterClientState.ERROR || state == MilterClientState.CLOSED) {
            return;
        }
        if (state == MilterClientState.NEGOTIATING && cause instanceof IOException) {
            ch.close(); // a reset during negotiation counts as a close: channelInactive decides on the v2 retry
            return;
        }
        Step step = inFlight;
        MilterStage stage = step == null ? MilterStage.CLOSE : step.stage;
        if (cause instanceof DecoderException) {
            Throwable reason = cause.getCause() == null ? cause : cause.getCause();
            fail(stage, MilterFailure.Kind.PROTOCOL, describe(reason));
        } else if (cause instanceof IOException) {
            fail(stage, MilterFailure.Kind.CLOSED, "connection broken: " + describe(cause));
        } else {
            LOG.error("{}: unexpected error in the Milter pipeline", peer, cause);
            fail(stage, MilterFailure.Kind.PROTOCOL, describe(cause));
        }
    }

    /**
     * The filter closed a connection that no session is using (kept ready for the next one): nothing
     * to answer, so only the state changes, and nothing counts as a failure.
     */
    private void closedWhileIdle() {
        String message;
        if (eventLoop.isShuttingDown()) {
            message = "idle connection closed as pmult shuts down"; // by us, not by the filter
        } else if (quitNcSent) {
            message = "closed the connection after SMFIC_QUIT_NC: the filter does not support connection reuse";
            notifyObserver(() -> settings.observer().onReuseRefused());
        } else {
            message = "closed the idle connection";
        }
        LOG.debug("{}: {}", peer, message);
        state = MilterClientState.ERROR;
        storedVerdict = new MilterVerdict.DefaultActionApplied(settings.defaultAction(),
                new MilterFailure(MilterFailure.Kind.CLOSED, MilterStage.CLOSE, message));
        cancelTimer();
    }

    private void onTimeout(Step step, String message) {
        if (step != inFlight) {
            return;
        }
        if (step.stage == MilterStage.CONNECT && keptAwaitingConnectReply) {
            // Not the filter failing a session: it ignored SMFIC_QUIT_NC and this CONNECT with it.
            LOG.info("{}: {} on a connection kept after SMFIC_QUIT_NC: the filter dropped both; closing it",
                    peer, message);
            notifyObserver(() -> settings.observer().onKeptConnectionUnanswered());
            giveUp(MilterStage.CONNECT, MilterFailure.Kind.TIMEOUT, message + " on a kept connection", false);
            return;
        }
        fail(step.stage, MilterFailure.Kind.TIMEOUT, message);
    }

    private void fail(MilterStage stage, MilterFailure.Kind kind, String message) {
        giveUp(stage, kind, message, true);
    }

    /** Closes the connection and answers every call with the default action; {@code failed}: report and log it as a failure. */
    private void giveUp(MilterStage stage, MilterFailure.Kind kind, String message, boolean failed) {
        if (state == MilterClientState.ERROR || state == MilterClientState.CLOSED) {
            return;
        }
        if (!failed || (state.awaitsNegotiation() && inFlight == null && queue.isEmpty())) {
            // Nothing waits for an answer on a connection still negotiating (pmult's reconnect probe);
            // a live session always has its CONNECT queued by then, so it is warned about below.
            LOG.debug("{}: {}; closing the connection", peer, message);
        } else {
            LOG.warn("{}: {}; applying default action {}", peer, message, settings.defaultAction().configName());
        }
        MilterFailure failure = new MilterFailure(kind, stage, message);
        state = MilterClientState.ERROR;
        if (attempts != null) {
            attempts.cancel();
        }
        storedVerdict = new MilterVerdict.DefaultActionApplied(settings.defaultAction(), failure);
        cancelTimer();
        if (channel != null) {
            channel.close();
        }
        if (failed) {
            notifyObserver(() -> settings.observer().onFailure(stage, kind, message));
        }
        negotiation.tryFailure(new MilterClientException(failure));
        Step step = inFlight;
        inFlight = null;
        if (step != null) {
            step.release();
            step.succeed(storedVerdict);
        }
        drain();
    }

    /**
     * Whether the connection can carry another SMTP session: QUIT_NC exists (v6) and the session
     * never started, or it is between transactions where libmilter takes QUIT_NC ({@link
     * QuitNcAcceptance}). Mid-message, or after a verdict for the whole connection, the filter's
     * state is not one a new session may inherit.
     */
    private boolean canRecycle() {
        return switch (state) {
            case READY -> options.version() >= Command.QUIT_NC.sinceVersion();
            case ENVELOPE -> options.version() >= Command.QUIT_NC.sinceVersion() && quitNcAcceptance.takesQuitNc();
            case NEW, CONNECTING, NEGOTIATING, MESSAGE, SKIPPING_BODY, ACCEPT_MESSAGE, ACCEPT_CONNECTION,
                 REJECT_CONNECTION, ERROR, CLOSED -> false;
        };
    }

    private void recycleNow(CloseStep step) {
        if (state == MilterClientState.READY) {
            step.complete(true); // nothing was sent since the negotiation or the last QUIT_NC
            return;
        }
        LOG.debug("{}: sending SMFIC_QUIT_NC, keeping the connection", peer);
        state = MilterClientState.READY;
        storedVerdict = null;
        Arrays.fill(macrosCommands, null); // the holders belong to the session that ended
        inFlight = step;
        quitNcSent = true;
        MilterTranscript.sent(peer, MilterCommand.QUIT_NEW_CONNECTION);
        reused = true;
        keptAwaitingConnectReply = true;
        ChannelFuture written = channel.writeAndFlush(MilterCommand.QUIT_NEW_CONNECTION);
        if (!written.isDone()) {
            Duration timeout = settings.writeTimeout();
            schedule(() -> onTimeout(step, "could not send SMFIC_QUIT_NC within " + format(timeout)), timeout);
        }
        written.addListener((ChannelFutureListener) f -> {
            try (LogContext.Scope ignored = logContext.enter()) {
                quitNcWritten(f, step);
            }
        });
    }

    private void quitNcWritten(ChannelFuture f, CloseStep step) {
        if (step != inFlight) {
            return; // failed meanwhile; fail() answered the step
        }
        if (!f.isSuccess()) {
            fail(MilterStage.CLOSE, MilterFailure.Kind.CLOSED, "cannot send SMFIC_QUIT_NC: " + describe(f.cause()));
            return;
        }
        cancelTimer();
        inFlight = null;
        step.complete(true);
        drain();
    }

    private void closeNow(CloseStep step) {
        MilterClientState before = state;
        state = MilterClientState.CLOSED;
        cancelTimer();
        if (attempts != null) {
            attempts.cancel();
        }
        if (before != MilterClientState.ERROR) {
            storedVerdict = new MilterVerdict.DefaultActionApplied(settings.defaultAction(),
                    new MilterFailure(MilterFailure.Kind.CLOSED, MilterStage.CLOSE, "session closed by pmult"));
        }
        negotiation.tryFailure(new MilterClientException(new MilterFailure(MilterFailure.Kind.CLOSED,
                MilterStage.NEGOTIATE, "session closed before negotiation finished")));
        Step pending = inFlight;
        inFlight = null;
        if (pending != null) {
            pending.release();
            pending.succeed(storedVerdict);
        }
        Channel ch = channel;
        if (ch == null) {
            step.succeed(null);
        } else {
            if (ch.isActive() && before != MilterClientState.CONNECTING) {
                LOG.debug("{}: sending SMFIC_QUIT", peer);
                MilterTranscript.sent(peer, MilterCommand.QUIT);
                ChannelFuture quit = ch.writeAndFlush(MilterCommand.QUIT);
                quit.addListener(ChannelFutureListener.CLOSE);
                if (!quit.isDone()) {
                    eventLoop.schedule(() -> ch.close(), settings.writeTimeout().toNanos(), TimeUnit.NANOSECONDS);
                }
            } else {
                ch.close();
            }
            ch.closeFuture().addListener(f -> {
                try (LogContext.Scope ignored = logContext.enter()) {
                    step.succeed(null);
                }
            });
        }
        drain();
    }

    // ---------------------------------------------------------------- helpers

    private void schedule(Runnable task, Duration timeout) {
        cancelTimer();
        timer = eventLoop.schedule(() -> {
            try (LogContext.Scope ignored = logContext.enter()) {
                task.run();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void notifyObserver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.error("{}: the observer failed", peer, e);
        }
    }

    private static String commandName(Step step) {
        return step.stage.command().libmilterName();
    }

    /** {@code 10s} or {@code 250ms}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }

    /** A filter address in the spelling Sendmail and mailfromd use: {@code unix:/path}, {@code inet:port@host}. */
    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String family = inet.getAddress() instanceof Inet6Address ? "inet6:" : "inet:";
            return family + inet.getPort() + "@" + inet.getHostString();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        if (address instanceof DomainSocketAddress unix) {
            return "unix:" + unix.path();
        }
        return String.valueOf(address);
    }

    // ---------------------------------------------------------------- steps

    /** One queued stage call: what to send and whom to tell. */
    private abstract static class Step {
        final MilterStage stage;
        final MilterMacros macros;

        Step(MilterStage stage, MilterMacros macros) {
            this.stage = stage;
            this.macros = macros;
        }

        /** The next packet to send. */
        abstract MilterCommand nextCommand();

        /** Whether packets remain after the one sent (body chunks). */
        boolean hasMore() {
            return false;
        }

        /** Whether there is nothing to send at all (an empty body). */
        boolean isEmpty() {
            return false;
        }

        abstract void succeed(MilterVerdict verdict);

        abstract void failCaller(Throwable cause);

        /** Drops buffers the step still holds; called exactly once when it ends. */
        void release() {
        }
    }

    private static final class NegotiationStep extends Step {
        private final MilterCommand.OptionNegotiation offer;

        NegotiationStep(MilterCommand.OptionNegotiation offer) {
            super(MilterStage.NEGOTIATE, MilterMacros.EMPTY);
            this.offer = offer;
        }

        @Override
        MilterCommand nextCommand() {
            return offer;
        }

        @Override
        void succeed(MilterVerdict verdict) {
            // the negotiation promise is completed by the session itself
        }

        @Override
        void failCaller(Throwable cause) {
            // idem
        }
    }

    private static final class VerdictStep extends Step {
        private final MilterCommand command;
        private final Promise<MilterVerdict> promise;

        VerdictStep(MilterStage stage, MilterMacros macros, MilterCommand command, Promise<MilterVerdict> promise) {
            super(stage, macros);
            this.command = command;
            this.promise = promise;
        }

        @Override
        MilterCommand nextCommand() {
            return command;
        }

        @Override
        void succeed(MilterVerdict verdict) {
            promise.trySuccess(verdict);
        }

        @Override
        void failCaller(Throwable cause) {
            promise.tryFailure(cause);
        }
    }

    private static final class BodyStep extends Step {
        private final Promise<MilterVerdict> promise;
        private ByteBuf rest;

        BodyStep(MilterMacros macros, ByteBuf content, Promise<MilterVerdict> promise) {
            super(MilterStage.BODY, macros);
            this.rest = content;
            this.promise = promise;
        }

        @Override
        MilterCommand nextCommand() {
            return new MilterCommand.Body(rest.readRetainedSlice(Math.min(rest.readableBytes(), MilterCodes.MAX_BODY_CHUNK)));
        }

        @Override
        boolean hasMore() {
            return rest != null && rest.isReadable();
        }

        @Override
        boolean isEmpty() {
            return !hasMore();
        }

        @Override
        void succeed(MilterVerdict verdict) {
            promise.trySuccess(verdict);
        }

        @Override
        void failCaller(Throwable cause) {
            promise.tryFailure(cause);
        }

        @Override
        void release() {
            if (rest != null) {
                rest.release();
                rest = null;
            }
        }
    }

    private static final class EndOfMessageStep extends Step {
        private final Promise<MilterEndOfMessage> promise;
        private final List<MilterReply.Modification> modifications = new ArrayList<>();

        EndOfMessageStep(MilterMacros macros, Promise<MilterEndOfMessage> promise) {
            super(MilterStage.EOM, macros);
            this.promise = promise;
        }

        @Override
        MilterCommand nextCommand() {
            return MilterCommand.END_OF_MESSAGE;
        }

        @Override
        void succeed(MilterVerdict verdict) {
            if (verdict.isDefaultAction()) {
                dropModifications(); // a failed end of message applies none of the filter's changes
            }
            MilterEndOfMessage result = new MilterEndOfMessage(verdict, modifications);
            if (!promise.trySuccess(result)) {
                result.release();
            }
        }

        @Override
        void failCaller(Throwable cause) {
            dropModifications();
            promise.tryFailure(cause);
        }

        private void dropModifications() {
            for (MilterReply.Modification modification : modifications) {
                ReferenceCountUtil.release(modification);
            }
            modifications.clear();
        }
    }

    /** Ends the session: SMFIC_QUIT and close, or (recycling) SMFIC_QUIT_NC and keep the connection. */
    private static final class CloseStep extends Step {
        private final Promise<?> promise;
        /** True for {@link #recycle()}: its promise answers whether the connection was kept. */
        final boolean keepConnection;

        CloseStep(Promise<?> promise, boolean keepConnection) {
            super(MilterStage.CLOSE, MilterMacros.EMPTY);
            this.promise = promise;
            this.keepConnection = keepConnection;
        }

        @Override
        MilterCommand nextCommand() {
            return keepConnection ? MilterCommand.QUIT_NEW_CONNECTION : MilterCommand.QUIT;
        }

        @Override
        void succeed(MilterVerdict verdict) {
            complete(false);
        }

        /** Closed ({@code kept} false) or kept for the next session. */
        @SuppressWarnings("unchecked")
        void complete(boolean kept) {
            if (keepConnection) {
                ((Promise<Boolean>) promise).trySuccess(kept);
            } else {
                promise.trySuccess(null);
            }
        }

        @Override
        void failCaller(Throwable cause) {
            promise.tryFailure(cause);
        }
    }
}
