package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/** Server role: decodes what smtps sends into {@link PmilterRequest}s. */
public final class PmilterRequestDecoder extends PmilterFrameDecoder {

    public PmilterRequestDecoder() {
    }

    public PmilterRequestDecoder(int maxMessageLength) {
        super(maxMessageLength);
    }

    @Override
    protected PmilterRequest decodeMessage(ChannelHandlerContext ctx, ByteBuf frame) {
        return PmilterRequestParser.parse(frame);
    }
}
