package org.pmult.milter.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import org.pmult.milter.codec.MilterReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The last handler of a client pipeline: hands replies, closes and errors to the connection. */
final class MilterClientHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(MilterClientHandler.class);

    private final NettyMilterConnection connection;

    MilterClientHandler(NettyMilterConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MilterReply.Modification || msg instanceof MilterReply.Progress) {
            acknowledgeNow(ctx.channel());
        }
        connection.onReply(ctx.channel(), (MilterReply) msg);
    }

    /**
     * The end-of-message reply comes as several packets (each modification or progress, then the
     * verdict). A filter that writes them one by one with Nagle's algorithm on, as GNU mailfromd does,
     * holds each next packet until the previous one is acknowledged, and Linux delays that
     * acknowledgement by up to 40 ms in a request-reply exchange: every message a filter modifies
     * twice would wait 40 ms. TCP_QUICKACK sends the pending acknowledgement at once. Native epoll TCP
     * only; unix sockets have no acknowledgements, and NIO cannot set the option.
     */
    private static void acknowledgeNow(Channel channel) {
        if (channel instanceof EpollSocketChannel tcp) {
            try {
                tcp.config().setTcpQuickAck(true);
            } catch (ChannelException e) {
                // only a delay is at stake; the reply itself is handled as usual
                LOG.debug("milter connection {}: cannot set TCP_QUICKACK: {}", channel.remoteAddress(), e.toString());
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.onChannelInactive(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.onException(ctx.channel(), cause);
    }
}
