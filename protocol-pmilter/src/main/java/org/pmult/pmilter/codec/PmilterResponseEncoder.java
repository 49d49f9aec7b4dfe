package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Server role: encodes {@link PmilterResponse}s. A message longer than the peer's bound is refused. */
public final class PmilterResponseEncoder extends MessageToByteEncoder<PmilterResponse> {

    private final int maxMessageLength;

    public PmilterResponseEncoder() {
        this(PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }

    /** @param maxMessageLength largest L the peer accepts (same bounds as the decoder's) */
    public PmilterResponseEncoder(int maxMessageLength) {
        super(PmilterResponse.class);
        this.maxMessageLength = PmilterFrameDecoder.checkMaxMessageLength(maxMessageLength);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, PmilterResponse response, ByteBuf out) {
        int start = out.writerIndex();
        PmilterResponseWriter.write(response, out);
        PmilterEntryWriter.checkLength(out.writerIndex() - start - PmilterCodes.LENGTH_FIELD_LENGTH,
                maxMessageLength, response);
        PmilterWireLogger.sent(ctx.channel(), out.slice(start, out.writerIndex() - start));
    }
}
