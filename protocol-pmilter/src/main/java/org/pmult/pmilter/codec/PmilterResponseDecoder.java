package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/** Client role: decodes what the pmilter sends back into {@link PmilterResponse}s. */
public final class PmilterResponseDecoder extends PmilterFrameDecoder {

    public PmilterResponseDecoder() {
    }

    public PmilterResponseDecoder(int maxMessageLength) {
        super(maxMessageLength);
    }

    @Override
    protected PmilterResponse decodeMessage(ChannelHandlerContext ctx, ByteBuf frame) {
        return PmilterResponseParser.parse(frame);
    }
}
