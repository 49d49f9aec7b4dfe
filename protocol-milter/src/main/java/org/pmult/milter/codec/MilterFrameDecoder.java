package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into Milter packets: a 4-byte big-endian length (counting the code byte)
 * followed by that many bytes. Emits each packet, code byte first, as a retained slice. A length
 * below 1 or above the bound is rejected before anything is buffered; the stream cannot be
 * resynchronised after that, so all further input is dropped.
 */
public final class MilterFrameDecoder extends ByteToMessageDecoder {

    private enum State {
        /** Waiting for a length field and then the whole packet. */
        READ_PACKET,
        /** A bad length was seen; everything that follows is discarded until the channel closes. */
        DISCARD
    }

    private final int maxFrameLength;
    private State state = State.READ_PACKET;

    /** A decoder accepting packets up to {@code maxFrameLength} (the length field's value, code byte included). */
    public MilterFrameDecoder(int maxFrameLength) {
        if (maxFrameLength < 1) {
            throw new IllegalArgumentException("maxFrameLength: " + maxFrameLength + " (expected: >= 1)");
        }
        this.maxFrameLength = maxFrameLength;
    }

    /** A decoder with the protocol's default bound, {@link MilterCodes#DEFAULT_MAX_FRAME_LENGTH}. */
    public MilterFrameDecoder() {
        this(MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!ctx.channel().isActive()) {
            // The session closed the channel (a bad packet further on): the rest of this read is moot,
            // and decoding it would raise one exception per packet.
            state = State.DISCARD;
        }
        switch (state) {
            case READ_PACKET -> readPacket(ctx, in, out);
            case DISCARD -> in.skipBytes(in.readableBytes());
        }
    }

    private void readPacket(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < MilterCodes.LENGTH_FIELD_BYTES) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length < 1 || length > maxFrameLength) {
            state = State.DISCARD;
            in.skipBytes(in.readableBytes());
            String expected = length < 1 ? ">= 1" : "<= " + maxFrameLength;
            throw new MilterCodecException("packet length " + length + " (expected: " + expected + ")"
                    + from(ctx));
        }
        if (in.readableBytes() < MilterCodes.LENGTH_FIELD_BYTES + length) {
            return;
        }
        in.skipBytes(MilterCodes.LENGTH_FIELD_BYTES);
        out.add(in.readRetainedSlice((int) length));
    }

    static String from(ChannelHandlerContext ctx) {
        Object remote = ctx.channel().remoteAddress();
        return remote == null ? "" : " from " + remote;
    }
}
