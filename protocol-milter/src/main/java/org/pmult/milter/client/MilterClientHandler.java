package org.pmult.milter.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.pmult.milter.codec.MilterReply;

/** The last handler of a client pipeline: hands replies, closes and errors to the session. */
final class MilterClientHandler extends ChannelInboundHandlerAdapter {

    private final MilterClientSession session;

    MilterClientHandler(MilterClientSession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        session.onReply(ctx.channel(), (MilterReply) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.onChannelInactive(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.onException(ctx.channel(), cause);
    }
}
