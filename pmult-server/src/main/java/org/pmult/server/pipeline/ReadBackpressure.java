package org.pmult.server.pipeline;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops reading from a MeTA1 connection while its replies back up (the peer sends but does not read),
 * and reads again once they drain below the channel's low-water mark. Without it every PING or
 * command read would queue one more reply, without bound; with it the queue stays near the
 * high-water mark, and a peer that never reads again is closed by the idle timeout.
 */
@ChannelHandler.Sharable
final class ReadBackpressure extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ReadBackpressure.class);

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        boolean writable = ctx.channel().isWritable();
        ctx.channel().config().setAutoRead(writable);
        LOG.debug("pmilter connection {}: {} reading (replies {})", ctx.channel().remoteAddress(),
                writable ? "resumed" : "paused", writable ? "drained" : "are not being read");
        super.channelWritabilityChanged(ctx);
    }
}
