package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.EncoderException;

/** Shared checks and framing steps of the four Milter decoders and encoders. */
final class MilterFrames {

    private MilterFrames() {
    }

    /**
     * Allocates a packet buffer for {@code payloadLength} bytes after the code byte and writes the
     * length field and the code, refusing (before allocating) a packet the peer would reject.
     */
    static ByteBuf begin(ByteBufAllocator alloc, byte code, int payloadLength, int maxFrameLength, String what) {
        int length = packetLength(payloadLength, maxFrameLength, what);
        ByteBuf out = alloc.ioBuffer(MilterCodes.LENGTH_FIELD_BYTES + length);
        out.writeInt(length);
        out.writeByte(code);
        return out;
    }

    /** The length field of a packet with {@code payloadLength} bytes after its code; refuses one the peer would reject. */
    static int packetLength(int payloadLength, int maxFrameLength, String what) {
        long length = 1L + payloadLength;
        if (length > maxFrameLength) {
            throw new EncoderException(what + ": packet length " + length + " (expected: <= " + maxFrameLength + ")");
        }
        return (int) length;
    }

    /** Checks that {@code out} holds exactly the promised packet (a bug guard for the length computation). */
    static ByteBuf finish(ByteBuf out, String what) {
        int written = out.readableBytes() - MilterCodes.LENGTH_FIELD_BYTES;
        if (written != out.getInt(out.readerIndex())) {
            out.release();
            throw new IllegalStateException(what + ": wrote " + written + " bytes but announced "
                    + out.getInt(out.readerIndex()));
        }
        return out;
    }

    /** Rejects bytes left after the last field of a packet. */
    static void requireEnd(ByteBuf payload, String what) {
        if (payload.isReadable()) {
            throw new MilterCodecException(what + ": " + payload.readableBytes()
                    + " unexpected bytes after the last field");
        }
    }

    /** Reads a big-endian uint32 field that must fit a non-negative int. */
    static int readCount(ByteBuf payload, String what, String field) {
        requireReadable(payload, 4, what, field);
        long value = payload.readUnsignedInt();
        if (value > Integer.MAX_VALUE) {
            throw new MilterCodecException(what + ": " + field + " " + value + " (expected: <= " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }

    static void requireReadable(ByteBuf payload, int bytes, String what, String field) {
        if (payload.readableBytes() < bytes) {
            throw new MilterCodecException(what + ": " + field + " needs " + bytes + " bytes, "
                    + payload.readableBytes() + " left");
        }
    }
}
