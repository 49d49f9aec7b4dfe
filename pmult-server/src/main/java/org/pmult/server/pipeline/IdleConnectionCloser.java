package org.pmult.server.pipeline;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes a MeTA1 connection that sent nothing for the idle timeout; its sessions end as on a lost connection. */
@ChannelHandler.Sharable
final class IdleConnectionCloser extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(IdleConnectionCloser.class);

    private final String limit;

    IdleConnectionCloser(String limit) {
        this.limit = limit;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            LOG.warn("pmilter connection {}: nothing received for {}; closing it (limits.idle-timeout)",
                    ctx.channel().remoteAddress(), limit);
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }
}
