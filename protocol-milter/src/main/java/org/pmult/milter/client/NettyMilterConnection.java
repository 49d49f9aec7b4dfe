package org.pmult.milter.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.logging.ByteBufFormat;
import io.netty.handler.logging.LogLevel;
import io.netty.handler.logging.LoggingHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandEncoder;
import org.pmult.milter.codec.MilterFrameDecoder;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The socket under a {@link MilterProtocolEngine}: the Netty channel and its pipeline (with the wire
 * transcript at TRACE), connecting through the {@link ConnectGate} with retries
 * ({@link ConnectAttempts}) and the one reconnect offering version 2, the write and reply timers, and
 * the log context every event runs in. It makes no protocol decision: replies, closes and errors go
 * to the engine, which says what to write and what to expect. Touched only on its event loop.
 */
final class NettyMilterConnection implements MilterConnection {

    private static final Logger LOG = LoggerFactory.getLogger(MilterClientSession.class);
    private static final Logger WIRE_LOG = LoggerFactory.getLogger(MilterClientSession.WIRE_LOGGER);
    private static final MilterReplyDecoder REPLY_DECODER = new MilterReplyDecoder();

    private final Bootstrap bootstrap;
    private final SocketAddress address;
    private final MilterClientSettings settings;
    private final EventLoop eventLoop;
    private final String peer;
    private final MilterClientReporter report;
    private final MilterProtocolEngine engine;

    private Channel channel;
    /** What the current attempt offers in SMFIC_OPTNEG. */
    private MilterCommand.OptionNegotiation offer;
    /** The write, reply or end-of-message timer of the engine's step in flight. */
    private final DeadlineTimer timer;
    /** Whom the connection serves now, for the MDC of every log line about it. */
    private LogContext logContext = LogContext.NONE;
    /** The last write {@link #writeUnanswered} handed over since the last flush, and its step; null if none. */
    private ChannelFuture lastUnflushed;
    private MilterStep lastUnflushedStep;
    private boolean flushScheduled;
    /** The connection attempts until the negotiation has an outcome; null before the first. */
    private ConnectAttempts attempts;

    NettyMilterConnection(Bootstrap bootstrap, EventLoop eventLoop, SocketAddress address, MilterClientSettings settings,
                          String peer, Promise<NegotiatedOptions> negotiation) {
        this.address = address;
        this.settings = settings;
        this.eventLoop = eventLoop;
        this.peer = peer;
        this.report = new MilterClientReporter(peer, settings);
        this.engine = new MilterProtocolEngine(peer, settings, negotiation, this, report);
        this.timer = new DeadlineTimer(eventLoop);
        int maxFrameLength = settings.maxFrameLength();
        MilterCommandEncoder encoder = new MilterCommandEncoder(maxFrameLength);
        this.bootstrap = bootstrap.clone(eventLoop)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LogContextHandler(NettyMilterConnection.this));
                        if (WIRE_LOG.isTraceEnabled()) {
                            // The protocol transcript (--debug at its highest level): every frame in hex.
                            ch.pipeline().addLast(new LoggingHandler(MilterClientSession.WIRE_LOGGER, LogLevel.TRACE,
                                    ByteBufFormat.HEX_DUMP));
                        }
                        ch.pipeline().addLast(new MilterFrameDecoder(maxFrameLength), REPLY_DECODER, encoder,
                                new MilterClientHandler(NettyMilterConnection.this));
                    }
                });
    }

    MilterProtocolEngine engine() {
        return engine;
    }

    void logContext(LogContext context) {
        this.logContext = context;
    }

    /** Enters the current log context; for {@link LogContextHandler}, which delivers the pipeline's events. */
    LogContext.Scope enterLogContext() {
        return logContext.enter();
    }

    // ---------------------------------------------------------------- connecting and retrying

    /** Starts the connection attempts (once). */
    void begin() {
        if (!engine.begin()) {
            return;
        }
        attempts = new ConnectAttempts(eventLoop, settings, new ConnectAttempts.Target() {
            @Override
            public void attempt(Duration remaining) {
                attemptNow(remaining);
            }

            @Override
            public void giveUp(MilterFailure.Kind kind, String message) {
                engine.fail(MilterStage.NEGOTIATE, kind, message);
            }
        });
        attempts.begin();
    }

    /** One attempt, offering the configured version; the connect may take at most {@code remaining}. */
    private void attemptNow(Duration remaining) {
        if (engine.state() != MilterClientState.CONNECTING) {
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
        LOG.debug("{}: connecting, offering {}", peer, offered);
        ChannelFuture connecting;
        try {
            connecting = bootstrap.connect(address);
        } catch (RuntimeException e) {
            attemptFailed(MilterFailure.Kind.CONNECT, "cannot connect: " + LogText.describe(e), false);
            return;
        }
        channel = connecting.channel();
        connecting.addListener((ChannelFutureListener) future -> {
            try (LogContext.Scope ignored = logContext.enter()) {
                connected(future);
            }
        });
    }

    private void connected(ChannelFuture future) {
        if (future.channel() != channel || engine.state() != MilterClientState.CONNECTING) {
            future.channel().close();
            return;
        }
        if (!future.isSuccess()) {
            attemptFailed(MilterFailure.Kind.CONNECT, "cannot connect: " + LogText.describe(future.cause()),
                    ConnectAttempts.isTransient(future.cause()));
            return;
        }
        engine.connected(offer);
    }

    /** The filter closed the connection during the negotiation: once offering version 2, else as a failed attempt. */
    private void negotiationCut() {
        if (offer.version() > MilterCodes.MIN_VERSION) {
            cancelTimer();
            engine.retrying();
            LOG.warn("{}: closed the connection after SMFIC_OPTNEG offering version {}; retrying once offering version {}",
                    peer, offer.version(), MilterCodes.MIN_VERSION);
            // Every v2 step flag is offered (pmult honours them all; mailfromd refuses fewer than it needs);
            // actions stay within what the configuration allows.
            connect(new MilterCommand.OptionNegotiation(MilterCodes.MIN_VERSION,
                    settings.offeredActions() & MilterCodes.V2_FALLBACK_ACTIONS, MilterCodes.V2_PROTOCOL));
        } else {
            // a filter restarting or overloaded closes before answering: worth another try
            attemptFailed(MilterFailure.Kind.CLOSED,
                    "closed the connection during option negotiation (offered " + offer + ")", true);
        }
    }

    @Override
    public void attemptFailed(MilterFailure.Kind kind, String message, boolean isTransient) {
        cancelTimer();
        Channel failed = channel;
        channel = null;
        if (failed != null) {
            failed.close();
        }
        String giveUp = attempts.failed(message, isTransient);
        engine.retrying();
        report.attemptFailed(message, giveUp == null, attempts.failures());
        if (giveUp != null) {
            channel = failed;
            engine.fail(MilterStage.NEGOTIATE, kind, giveUp);
        }
    }

    @Override
    public void negotiated() {
        cancelTimer();
        attempts.succeeded();
    }

    // ---------------------------------------------------------------- writing

    @Override
    public void write(MilterStep step, MilterCommand.Macros macros, MilterCommand command) {
        Channel ch = channel;
        Object message = encode(ch, step, macros, command, true);
        if (message == null) {
            return;
        }
        lastUnflushed = null; // flushed by this write, and its write timer covers it
        ChannelFuture written = ch.writeAndFlush(message);
        if (written.isDone()) {
            // the socket took it at once, as it nearly always does: no listener to allocate and notify
            onWritten(written, step, true);
            return;
        }
        Duration timeout = settings.writeTimeout();
        schedule(() -> engine.timedOut(step, "could not send " + step.commandName() + " within "
                + LogText.format(timeout)), timeout);
        written.addListener((ChannelFutureListener) f -> onWritten(f, step, true));
    }

    @Override
    public void writeUnanswered(MilterStep step, MilterCommand.Macros macros, MilterCommand command) {
        Channel ch = channel;
        Object message = encode(ch, step, macros, command, false);
        if (message == null) {
            return;
        }
        ChannelFuture written = ch.write(message);
        written.addListener((ChannelFutureListener) f -> onUnansweredWritten(f, step));
        lastUnflushed = written;
        lastUnflushedStep = step;
    }

    /**
     * Flushes at the end of the current event-loop task, not now: a caller typically adds its
     * listener after the call returned, so the answer of a no-reply step reaches it, and its next
     * call comes, only after the engine asked for this flush; the calls it makes from there join the
     * same write. A write that flushes first (a command awaiting a reply) leaves nothing to do.
     */
    @Override
    public void flush() {
        if (lastUnflushed != null && !flushScheduled) {
            flushScheduled = true;
            eventLoop.execute(this::flushNow);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        ChannelFuture last = lastUnflushed;
        MilterStep step = lastUnflushedStep;
        lastUnflushed = null;
        lastUnflushedStep = null;
        if (last == null) {
            return;
        }
        last.channel().flush();
        if (!last.isDone()) {
            // Nothing waits for this write, so its deadline is its own (the timer serves the step in flight).
            Duration timeout = settings.writeTimeout();
            ScheduledFuture<?> deadline = eventLoop.schedule(() -> {
                try (LogContext.Scope ignored = logContext.enter()) {
                    if (last.channel() == channel) {
                        engine.unansweredWriteFailed(step, MilterFailure.Kind.TIMEOUT, "could not send "
                                + step.commandName() + " within " + LogText.format(timeout));
                    }
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            last.addListener(f -> deadline.cancel(false));
        }
    }

    /**
     * What goes on the wire for {@code command}: SMFIC_MACRO and a command in one buffer, or (a body
     * chunk, not copied) SMFIC_MACRO written ahead of it, to go out in the same flush; null if the
     * engine failed the step.
     */
    private Object encode(Channel ch, MilterStep step, MilterCommand.Macros macros, MilterCommand command,
                          boolean answered) {
        Object message = command;
        if (macros != null) {
            MilterTranscript.sent(peer, macros);
            if (command instanceof MilterCommand.Body) {
                ch.write(macros).addListener((ChannelFutureListener) f -> {
                    if (answered) {
                        onWritten(f, step, false);
                    } else {
                        onUnansweredWritten(f, step);
                    }
                });
            } else {
                try {
                    message = MilterCommandEncoder.encodeWithMacros(ch.alloc(), macros, command, settings.maxFrameLength());
                } catch (RuntimeException e) {
                    engine.fail(step.stage, MilterFailure.Kind.PROTOCOL,
                            "cannot send " + step.commandName() + ": " + LogText.describe(e));
                    return null;
                }
            }
        }
        MilterTranscript.sent(peer, command);
        return message;
    }

    private void onUnansweredWritten(ChannelFuture future, MilterStep step) {
        if (future.isSuccess() || future.channel() != channel) {
            return;
        }
        try (LogContext.Scope ignored = logContext.enter()) {
            engine.unansweredWriteFailed(step, failureKind(future.cause()),
                    "cannot send " + step.commandName() + ": " + LogText.describe(future.cause()));
        }
    }

    private static MilterFailure.Kind failureKind(Throwable cause) {
        return cause instanceof EncoderException ? MilterFailure.Kind.PROTOCOL : MilterFailure.Kind.CLOSED;
    }

    private void onWritten(ChannelFuture future, MilterStep step, boolean isCommand) {
        try (LogContext.Scope ignored = logContext.enter()) {
            if (!future.isSuccess()) {
                Throwable cause = future.cause();
                engine.writeFailed(step, failureKind(cause), "cannot send " + step.commandName() + ": " + LogText.describe(cause));
            } else if (isCommand) {
                engine.written(step);
            }
        }
    }

    // ---------------------------------------------------------------- timers

    @Override
    public void expectReply(MilterStep step, Duration timeout, String onExpiry) {
        schedule(() -> engine.timedOut(step, onExpiry), timeout);
    }

    private void schedule(Runnable task, Duration timeout) {
        timer.arm(timeout, () -> {
            try (LogContext.Scope ignored = logContext.enter()) {
                task.run();
            }
        });
    }

    @Override
    public void cancelTimer() {
        timer.disarm();
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void stop() {
        timer.stop();
        if (attempts != null) {
            attempts.cancel();
        }
    }

    @Override
    public void abandon() {
        if (attempts != null) {
            attempts.cancel();
        }
        timer.stop();
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void quit(boolean sendQuit, Runnable closed) {
        Channel ch = channel;
        if (ch == null) {
            closed.run();
            return;
        }
        if (ch.isActive() && sendQuit) {
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
            timer.stop(); // nothing left to time: let the connection go now, not when a pending wake-up comes
            try (LogContext.Scope ignored = logContext.enter()) {
                closed.run();
            }
        });
    }

    // ---------------------------------------------------------------- pipeline events (from MilterClientHandler)

    void onReply(Channel ch, MilterReply reply) {
        if (ch != channel) {
            ReferenceCountUtil.release(reply);
            return;
        }
        if (!engine.state().hasEnded()) {
            MilterTranscript.received(peer, reply);
        }
        engine.replied(reply);
    }

    void onChannelInactive(Channel ch) {
        if (ch != channel) {
            return;
        }
        if (engine.state() == MilterClientState.NEGOTIATING) {
            negotiationCut();
        } else {
            engine.closedByPeer(eventLoop.isShuttingDown());
        }
    }

    void onException(Channel ch, Throwable cause) {
        if (ch != channel || engine.state().hasEnded()) {
            return;
        }
        if (engine.state() == MilterClientState.NEGOTIATING && cause instanceof IOException) {
            ch.close(); // a reset during negotiation counts as a close: channelInactive decides on the v2 retry
            return;
        }
        MilterStage stage = engine.currentStage();
        if (cause instanceof DecoderException) {
            Throwable reason = cause.getCause() == null ? cause : cause.getCause();
            engine.fail(stage, MilterFailure.Kind.PROTOCOL, LogText.describe(reason));
        } else if (cause instanceof IOException) {
            engine.fail(stage, MilterFailure.Kind.CLOSED, "connection broken: " + LogText.describe(cause));
        } else {
            LOG.error("{}: unexpected error in the Milter pipeline", peer, cause);
            engine.fail(stage, MilterFailure.Kind.PROTOCOL, LogText.describe(cause));
        }
    }
}
