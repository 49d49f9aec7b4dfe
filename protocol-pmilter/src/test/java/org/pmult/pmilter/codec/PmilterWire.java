package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/** Test helper: one message to bytes and back through the stateless writers and parsers. */
public final class PmilterWire {

    private PmilterWire() {
    }

    public static byte[] encode(PmilterRequest request) {
        ByteBuf out = Unpooled.buffer();
        try {
            PmilterRequestWriter.write(request, out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    public static byte[] encode(PmilterResponse response) {
        ByteBuf out = Unpooled.buffer();
        try {
            PmilterResponseWriter.write(response, out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** Parses a request; the caller releases a returned Msg. */
    public static PmilterRequest decodeRequest(byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            return PmilterRequestParser.parse(buf);
        } finally {
            buf.release();
        }
    }

    public static PmilterResponse decodeResponse(byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            return PmilterResponseParser.parse(buf);
        } finally {
            buf.release();
        }
    }
}
