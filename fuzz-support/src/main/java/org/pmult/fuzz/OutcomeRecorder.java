package org.pmult.fuzz;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * Last handler of a fuzzed pipeline: keeps every decoded message and every exception, in arrival
 * order, so the harness sees all of them (EmbeddedChannel itself reports only the first exception).
 * The recorder owns the messages it keeps; {@link #releaseAll} gives them back.
 */
public final class OutcomeRecorder extends ChannelInboundHandlerAdapter {

    private final List<Object> outcomes = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        outcomes.add(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        outcomes.add(cause);
    }

    /** Messages and exceptions so far, in order; a {@link Throwable} element is an exception. */
    public List<Object> outcomes() {
        return outcomes;
    }

    public void releaseAll() {
        for (Object outcome : outcomes) {
            ReferenceCountUtil.release(outcome);
        }
    }
}
