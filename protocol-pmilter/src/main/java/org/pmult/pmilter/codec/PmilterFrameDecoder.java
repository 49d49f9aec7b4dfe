package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import org.pmult.pmilter.codec.PmilterCodecException.Problem;

/**
 * Splits the byte stream into pmilter messages (§10.1): a big-endian u32 length L, then L bytes.
 * L is checked against its bounds before a single byte of the message is buffered. On any malformed
 * input the decoder fires the {@link PmilterCodecException}, closes the channel and discards
 * everything after it. Subclasses turn each frame into a typed message; this class emits the raw
 * frame (length prefix included) as a retained slice the receiver must release.
 */
public class PmilterFrameDecoder extends ByteToMessageDecoder {

    /** Decoder state. */
    private enum State {
        /** Waiting for and cutting out complete frames. */
        DECODING,
        /** Malformed input was seen; everything that still arrives is dropped until the channel closes. */
        DISCARDING
    }

    private final int maxMessageLength;
    private State state = State.DECODING;

    /** A decoder accepting messages up to {@link PmilterCodes#DEFAULT_MAX_MESSAGE_LENGTH}. */
    public PmilterFrameDecoder() {
        this(PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }

    /**
     * @param maxMessageLength largest L accepted, between
     *                         {@link PmilterCodes#MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH} and
     *                         {@link PmilterCodes#MAX_CONFIGURABLE_MAX_MESSAGE_LENGTH}
     */
    public PmilterFrameDecoder(int maxMessageLength) {
        this.maxMessageLength = checkMaxMessageLength(maxMessageLength);
    }

    /** Validates a configured max message length; returns it. */
    public static int checkMaxMessageLength(int maxMessageLength) {
        if (maxMessageLength < PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH
                || maxMessageLength > PmilterCodes.MAX_CONFIGURABLE_MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("maxMessageLength: " + maxMessageLength + " (expected: "
                    + PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH + ".."
                    + PmilterCodes.MAX_CONFIGURABLE_MAX_MESSAGE_LENGTH + ")");
        }
        return maxMessageLength;
    }

    public int maxMessageLength() {
        return maxMessageLength;
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case DECODING -> decodeFrame(ctx, in, out);
            case DISCARDING -> in.skipBytes(in.readableBytes());
        }
    }

    private void decodeFrame(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < PmilterCodes.LENGTH_FIELD_LENGTH) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length < PmilterCodes.MIN_MESSAGE_LENGTH || length > maxMessageLength) {
            String reason = "message length: " + length + " (expected: " + PmilterCodes.MIN_MESSAGE_LENGTH + ".."
                    + maxMessageLength + ")";
            PmilterWireLogger.rejected(ctx.channel(), in, reason);
            throw fail(in, new PmilterCodecException(Problem.FRAME_LENGTH, reason, 0));
        }
        int frameLength = PmilterCodes.LENGTH_FIELD_LENGTH + (int) length;
        if (in.readableBytes() < frameLength) {
            return;
        }
        ByteBuf frame = in.readRetainedSlice(frameLength);
        try {
            PmilterWireLogger.received(ctx.channel(), frame);
            out.add(decodeMessage(ctx, frame));
        } catch (PmilterCodecException e) {
            throw fail(in, e);
        } finally {
            frame.release();
        }
    }

    private PmilterCodecException fail(ByteBuf in, PmilterCodecException e) {
        state = State.DISCARDING;
        in.skipBytes(in.readableBytes());
        return e;
    }

    /**
     * Turns one frame into a message. The frame is released by the caller after this returns, so
     * anything that keeps bytes of it must retain them.
     *
     * @throws PmilterCodecException if the frame breaks the profile
     */
    protected Object decodeMessage(ChannelHandlerContext ctx, ByteBuf frame) {
        return frame.retain();
    }

    /** Malformed input: let the handlers log it, then close the connection (§10.1). */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
        if (cause instanceof DecoderException) {
            ctx.close();
        }
    }
}
