package org.pmult.milter.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The first handler of a client pipeline: every inbound event — bytes read, decoded and handed to
 * the engine, the connection closing, an error — passes the rest of the pipeline inside the
 * session's {@link LogContext}, so the decoder's and the session's log lines carry it.
 */
final class LogContextHandler extends ChannelInboundHandlerAdapter {

    private final NettyMilterConnection connection;

    LogContextHandler(NettyMilterConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try (LogContext.Scope ignored = connection.enterLogContext()) {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        try (LogContext.Scope ignored = connection.enterLogContext()) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        try (LogContext.Scope ignored = connection.enterLogContext()) {
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        try (LogContext.Scope ignored = connection.enterLogContext()) {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        try (LogContext.Scope ignored = connection.enterLogContext()) {
            ctx.fireUserEventTriggered(event);
        }
    }
}
