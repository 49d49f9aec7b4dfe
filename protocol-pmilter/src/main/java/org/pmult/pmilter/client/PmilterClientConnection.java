package org.pmult.pmilter.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection from smtps to a pmilter (the role the MeTA1 simulator plays). Many sessions may have
 * commands outstanding at once; replies are matched by SEID, in command order within a session
 * (§10.3). Every command has a reply timeout; when it expires the future fails with a
 * {@link PmilterReplyTimeoutException} and a late reply is dropped. When the connection ends every
 * pending future fails with a {@link PmilterConnectionClosedException}.
 *
 * <p>All methods are thread-safe. Futures complete on the connection's event loop: callbacks chained
 * on them must not block.
 */
public final class PmilterClientConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PmilterClientConnection.class);

    private final Channel channel;
    private final ReplyCorrelator correlator;
    private final PmilterClientSettings settings;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    private PmilterClientConnection(Channel channel, ReplyCorrelator correlator, PmilterClientSettings settings) {
        this.channel = channel;
        this.correlator = correlator;
        this.settings = settings;
        channel.closeFuture().addListener(f -> closeFuture.complete(null));
    }

    /**
     * Connects to a pmilter.
     *
     * @param bootstrap a configured bootstrap (event loop group and channel class set); it is cloned,
     *                  and the clone's handler and connect timeout are replaced
     */
    public static CompletableFuture<PmilterClientConnection> connect(Bootstrap bootstrap, SocketAddress address,
            PmilterClientSettings settings) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(settings, "settings");
        ReplyCorrelator correlator = new ReplyCorrelator(address);
        Bootstrap configured = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("pmilter-codec", new PmilterClientCodec(settings.maxMessageLength()))
                                .addLast("pmilter-client", correlator);
                    }
                });
        CompletableFuture<PmilterClientConnection> result = new CompletableFuture<>();
        ChannelFuture connecting = configured.connect(address);
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(new PmilterClientConnection(connecting.channel(), correlator, settings));
            } else {
                ConnectException failure = new ConnectException("pmilter " + address + ": cannot connect within "
                        + settings.connectTimeout().toMillis() + " ms: " + f.cause());
                failure.initCause(f.cause());
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    /** Offers {@code caps} and {@code maxSessions} (0 = no limit); completes with the pmilter's choice. */
    public CompletableFuture<PmilterResponse.NegotiateReply> negotiate(int caps, int maxSessions) {
        CompletableFuture<PmilterResponse.NegotiateReply> future = new CompletableFuture<>();
        submit(new PmilterRequest.Negotiate(caps, maxSessions), future, settings.replyTimeout());
        return future;
    }

    /** Sends PING; completes when the pmilter answers. */
    public CompletableFuture<Void> ping() {
        CompletableFuture<PmilterResponse.PingReply> future = new CompletableFuture<>();
        submit(new PmilterRequest.Ping(), future, settings.replyTimeout());
        return future.thenApply(reply -> null);
    }

    /** Sends a session command with the configured reply timeout; see {@link #send(PmilterRequest.SessionRequest, Duration)}. */
    public CompletableFuture<PmilterResponse.Reply> send(PmilterRequest.SessionRequest request) {
        return send(request, settings.replyTimeout());
    }

    /**
     * Sends a session command and completes with its reply. CLOSE has no reply: its future completes
     * with {@code null} once written. A MSG's chunk is released by the connection.
     */
    public CompletableFuture<PmilterResponse.Reply> send(PmilterRequest.SessionRequest request, Duration replyTimeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(replyTimeout, "replyTimeout");
        CompletableFuture<PmilterResponse.Reply> future = new CompletableFuture<>();
        submit(request, future, replyTimeout);
        return future;
    }

    private <T> void submit(PmilterRequest request, CompletableFuture<T> future, Duration timeout) {
        if (channel.eventLoop().inEventLoop()) {
            correlator.submit(request, future, timeout);
        } else {
            try {
                channel.eventLoop().execute(() -> correlator.submit(request, future, timeout));
            } catch (RuntimeException rejected) {
                ReferenceCountUtil.release(request);
                future.completeExceptionally(new PmilterConnectionClosedException("pmilter " + correlator.peer
                        + ": connection's event loop is shut down"));
            }
        }
    }

    public Channel channel() {
        return channel;
    }

    public boolean isActive() {
        return channel.isActive();
    }

    /** Completes when the connection has closed, for whatever reason. */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** Closes the connection; pending futures fail with {@link PmilterConnectionClosedException}. */
    @Override
    public void close() {
        channel.close();
    }

    /**
     * Matches replies to outstanding commands on the event loop: FIFO per SEID, and one FIFO each for
     * NEGOTIATE and PING.
     */
    private static final class ReplyCorrelator extends SimpleChannelInboundHandler<PmilterResponse> {

        /** A command waiting for its reply. */
        private static final class Pending {
            final String seid;
            final String command;
            final CompletableFuture<Object> future;
            ScheduledFuture<?> timer;
            /** The timeout fired; the reply, if it still comes, is dropped. */
            boolean expired;

            @SuppressWarnings("unchecked")
            Pending(String seid, String command, CompletableFuture<?> future) {
                this.seid = seid;
                this.command = command;
                this.future = (CompletableFuture<Object>) future;
            }

            String describe() {
                return seid == null ? command : command + " for session " + seid;
            }
        }

        private final SocketAddress peer;
        private final Map<String, ArrayDeque<Pending>> bySession = new HashMap<>();
        private final ArrayDeque<Pending> negotiations = new ArrayDeque<>();
        private final ArrayDeque<Pending> pings = new ArrayDeque<>();
        private Channel channel;
        private boolean closed;

        ReplyCorrelator(SocketAddress peer) {
            super(PmilterResponse.class);
            this.peer = peer;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        void submit(PmilterRequest request, CompletableFuture<?> future, Duration timeout) {
            String seid = request instanceof PmilterRequest.SessionRequest s ? s.seid() : null;
            Command command = commandOf(request);
            if (closed || !channel.isActive()) {
                ReferenceCountUtil.release(request);
                future.completeExceptionally(new PmilterConnectionClosedException("pmilter " + peer
                        + ": connection is closed; cannot send " + (seid == null ? command : command + " for session " + seid)));
                return;
            }
            if (command == Command.CLOSE) {
                channel.writeAndFlush(request).addListener(f -> {
                    if (f.isSuccess()) {
                        future.complete(null);
                    } else {
                        future.completeExceptionally(f.cause());
                    }
                });
                return;
            }
            Pending pending = new Pending(seid, command.name(), future);
            ArrayDeque<Pending> queue = queueFor(request, seid);
            queue.add(pending);
            pending.timer = channel.eventLoop().schedule(() -> expire(pending, timeout),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            channel.writeAndFlush(request).addListener(f -> {
                if (!f.isSuccess() && queue.remove(pending)) {
                    pending.timer.cancel(false);
                    pending.future.completeExceptionally(f.cause());
                }
            });
        }

        private ArrayDeque<Pending> queueFor(PmilterRequest request, String seid) {
            if (request instanceof PmilterRequest.Negotiate) {
                return negotiations;
            }
            if (request instanceof PmilterRequest.Ping) {
                return pings;
            }
            return bySession.computeIfAbsent(seid, s -> new ArrayDeque<>());
        }

        private static Command commandOf(PmilterRequest request) {
            if (request instanceof PmilterRequest.SessionRequest s) {
                return s.command();
            }
            if (request instanceof PmilterRequest.Negotiate) {
                return Command.NEGOTIATE;
            }
            if (request instanceof PmilterRequest.Ping) {
                return Command.PING;
            }
            throw new IllegalArgumentException("cannot send " + request);
        }

        private void expire(Pending pending, Duration timeout) {
            pending.expired = true;
            pending.future.completeExceptionally(
                    new PmilterReplyTimeoutException(peer, pending.seid, pending.command, timeout));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, PmilterResponse response) {
            if (response instanceof PmilterResponse.Reply reply) {
                ArrayDeque<Pending> queue = bySession.get(reply.seid());
                Pending pending = queue == null ? null : queue.poll();
                if (queue != null && queue.isEmpty()) {
                    bySession.remove(reply.seid());
                }
                if (pending != null && !pending.expired && !Command.DOT.name().equals(pending.command)
                        && !reply.modifications().isEmpty()) {
                    pending.timer.cancel(false);
                    pending.future.completeExceptionally(new PmilterProtocolException("pmilter " + peer + ": reply to "
                            + pending.describe() + " carries " + reply.modifications().size()
                            + " modifications (expected: none; modifications are for DOT only)"));
                    return;
                }
                deliver(pending, reply, "REPLY for session " + reply.seid());
            } else if (response instanceof PmilterResponse.NegotiateReply reply) {
                deliver(negotiations.poll(), reply, "NEGOTIATE_REPLY");
            } else if (response instanceof PmilterResponse.PingReply reply) {
                deliver(pings.poll(), reply, "REPLY to PING");
            } else if (response instanceof PmilterResponse.UnknownReply unknown) {
                LOG.warn("pmilter {}: unknown reply command {}{}; ignored", peer, PmilterCodes.hex4(unknown.code()),
                        unknown.seid() == null ? "" : " for session " + unknown.seid());
            }
        }

        private void deliver(Pending pending, Object reply, String what) {
            if (pending == null) {
                LOG.warn("pmilter {}: {} but no such command is outstanding; ignored", peer, what);
                return;
            }
            pending.timer.cancel(false);
            if (pending.expired) {
                LOG.debug("pmilter {}: late reply to {} dropped (it had timed out)", peer, pending.describe());
                return;
            }
            pending.future.complete(reply);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException) {
                LOG.warn("pmilter {}: malformed message: {}; closing the connection", peer, cause.getMessage());
            } else {
                LOG.warn("pmilter {}: {}; closing the connection", peer, cause.toString());
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed = true;
            List<Pending> waiting = new ArrayList<>();
            waiting.addAll(negotiations);
            waiting.addAll(pings);
            bySession.values().forEach(waiting::addAll);
            negotiations.clear();
            pings.clear();
            bySession.clear();
            int live = (int) waiting.stream().filter(p -> !p.expired).count();
            for (Pending pending : waiting) {
                pending.timer.cancel(false);
                if (!pending.expired) {
                    pending.future.completeExceptionally(new PmilterConnectionClosedException("pmilter " + peer
                            + ": connection closed with " + live + " replies pending; no reply to "
                            + pending.describe()));
                }
            }
            ctx.fireChannelInactive();
        }
    }
}
