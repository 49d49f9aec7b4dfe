package org.pmult.server.pipeline;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.server.PmilterServerCodec;
import org.pmult.pmilter.server.PmilterServerHandler;
import org.pmult.server.config.Intervals;
import org.pmult.server.config.Limits;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.metrics.TrafficSide;
import org.pmult.server.session.ClientAddress;
import org.pmult.server.session.Meta1Negotiator;
import org.pmult.server.session.MultiplexSession;
import org.pmult.server.session.SessionContext;
import org.pmult.server.upstream.Upstreams;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline of one MeTA1 connection: connection limit, byte counting, read backpressure (no
 * reading while replies back up), flush consolidation, idle timeout, the pmilter codec (frame
 * bound), decode-error counting, then the multiplexing handler whose sessions are {@link MultiplexSession}s over the
 * milter clients in force when each session starts.
 */
public final class PmilterChannelInitializer extends ChannelInitializer<Channel> {

    private static final ReadBackpressure READ_BACKPRESSURE = new ReadBackpressure();
    /**
     * Replies for many sessions of one connection are written as their milters answer, mostly while
     * the milter connections (not this one) are being read; consolidating those flushes to one per
     * event-loop turn turns one write per reply into one write per turn.
     */
    private static final int FLUSH_AT_MOST_AFTER = 256;

    private final Limits limits;
    private final PmultMetrics metrics;
    private final Supplier<Upstreams> upstreams;
    private final ConnectionLimiter limiter;
    private final SessionContext.SessionListener sessions;
    private final DecodeErrorCounter decodeErrors;
    private final IdleConnectionCloser idleCloser;
    private final ConnectionCounter connectionCounter;

    public PmilterChannelInitializer(Limits limits, PmultMetrics metrics, Supplier<Upstreams> upstreams,
                                     ConnectionLimiter limiter, SessionContext.SessionListener sessions) {
        this.limits = limits;
        this.metrics = metrics;
        this.upstreams = upstreams;
        this.limiter = limiter;
        this.sessions = sessions;
        this.decodeErrors = new DecodeErrorCounter(metrics);
        this.idleCloser = new IdleConnectionCloser(Intervals.format(limits.idleTimeout()));
        this.connectionCounter = new ConnectionCounter(metrics);
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("limit", limiter);
        pipeline.addLast("bytes", metrics.byteCounter(TrafficSide.PMILTER));
        pipeline.addLast("connections", connectionCounter);
        pipeline.addLast("backpressure", READ_BACKPRESSURE);
        pipeline.addLast("flush", new FlushConsolidationHandler(FLUSH_AT_MOST_AFTER, true));
        if (limits.idleTimeoutEnabled()) {
            pipeline.addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
            pipeline.addLast("idle-close", idleCloser);
        }
        pipeline.addLast("codec", new PmilterServerCodec(limits.maxFrameLength()));
        pipeline.addLast("decode-errors", decodeErrors);
        Meta1Negotiator negotiator = new Meta1Negotiator(() -> upstreams.get().plan(), limits.advertisedMaxSessions());
        pipeline.addLast("sessions", new PmilterServerHandler(negotiator,
                (seid, connect, ch) -> openSession(seid, connect, ch, negotiator), limits.maxSessionsPerConnection()));
    }

    private MultiplexSession openSession(String seid, PmilterRequest.Connect connect, Channel channel,
                                         Meta1Negotiator negotiator) {
        Upstreams current = upstreams.get();
        SessionContext context = new SessionContext(current.plan(), negotiator.offeredCaps(), limits.maxFrameLength(),
                channel.eventLoop(), metrics, sessions, limits.maxFrameLength());
        String client = ClientAddress.text(connect.clientAddress()) + ":" + connect.port();
        return new MultiplexSession(seid, client, context, current.newLegs(channel.eventLoop(), seid), current.conditions());
    }

    /** Counts MeTA1 connections for the metrics. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        private final PmultMetrics metrics;

        ConnectionCounter(PmultMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            metrics.meta1ConnectionOpened();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            metrics.meta1ConnectionClosed();
            super.channelInactive(ctx);
        }
    }
}
