package org.pmult.pmilter.codec;

import io.netty.handler.codec.DecoderException;

/**
 * A pmilter message broke profile 1: the text names the command, the field, the value, the bound and
 * the byte offset within the message (offset 0 is the first byte of its length prefix). Thrown
 * without a cause for a deliberate rejection; the connection that sent it is closed.
 */
public final class PmilterCodecException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** Offset of the offending bytes within the message, or -1 if the error is not about one place. */
    private final long offset;

    public PmilterCodecException(String message, long offset) {
        super(offset < 0 ? message : message + " at offset " + offset);
        this.offset = offset;
    }

    public PmilterCodecException(String message) {
        this(message, -1);
    }

    /** Offset of the offending bytes within the message (0 = first byte of the length prefix), or -1. */
    public long offset() {
        return offset;
    }
}
