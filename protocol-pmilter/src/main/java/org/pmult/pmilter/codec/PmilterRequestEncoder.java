package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Client role: encodes {@link PmilterRequest}s. A MSG chunk is sent as is (a composite of the
 * header and the chunk, no copy) and released. A message longer than the peer's bound is refused.
 */
public final class PmilterRequestEncoder extends MessageToMessageEncoder<PmilterRequest> {

    private final int maxMessageLength;

    public PmilterRequestEncoder() {
        this(PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }

    /** @param maxMessageLength largest L the peer accepts (same bounds as the decoder's) */
    public PmilterRequestEncoder(int maxMessageLength) {
        super(PmilterRequest.class);
        this.maxMessageLength = PmilterFrameDecoder.checkMaxMessageLength(maxMessageLength);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, PmilterRequest request, List<Object> out) {
        ByteBuf frame;
        if (request instanceof PmilterRequest.Msg msg) {
            ByteBuf header = ctx.alloc().buffer();
            try {
                PmilterRequestWriter.writeMsgHeader(msg, header);
                PmilterEntryWriter.checkLength(header.getUnsignedInt(header.readerIndex()), maxMessageLength, msg);
            } catch (RuntimeException e) {
                header.release();
                throw e;
            }
            CompositeByteBuf composite = ctx.alloc().compositeBuffer(2);
            composite.addComponents(true, header, msg.chunk().retainedSlice());
            frame = composite;
        } else {
            frame = ctx.alloc().buffer();
            try {
                PmilterRequestWriter.write(request, frame);
                PmilterEntryWriter.checkLength(frame.readableBytes() - PmilterCodes.LENGTH_FIELD_LENGTH,
                        maxMessageLength, request);
            } catch (RuntimeException e) {
                frame.release();
                throw e;
            }
        }
        PmilterWireLogger.sent(ctx.channel(), frame);
        out.add(frame);
    }
}
