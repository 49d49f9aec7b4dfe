package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;

import java.util.Objects;

/**
 * Counts the bytes a channel reads and writes into two counters, then passes every message on
 * untouched. Stateless, so one instance per {@link TrafficSide} is shared by all channels of that
 * side (obtain it from {@link PmultMetrics#byteCounter(TrafficSide)}). Put it first in the pipeline,
 * next to the socket, so it sees raw bytes before any decoder. Writes are counted when handed to
 * the channel, not when the kernel accepts them: a connection that dies with data queued
 * over-counts by at most what was queued.
 */
@Sharable
public final class ByteCountingHandler extends ChannelDuplexHandler {

    private final Counter received;
    private final Counter sent;

    /** Counts reads into {@code received} and writes into {@code sent}. */
    public ByteCountingHandler(Counter received, Counter sent) {
        this.received = Objects.requireNonNull(received, "received");
        this.sent = Objects.requireNonNull(sent, "sent");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long size = sizeOf(msg);
        if (size > 0) {
            received.increment(size);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long size = sizeOf(msg);
        if (size > 0) {
            sent.increment(size);
        }
        ctx.write(msg, promise);
    }

    /** Bytes carried by a transport-level message; anything else (user events, objects) counts 0. */
    static long sizeOf(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        if (msg instanceof FileRegion region) {
            return region.count() - region.transferred();
        }
        return 0;
    }
}
