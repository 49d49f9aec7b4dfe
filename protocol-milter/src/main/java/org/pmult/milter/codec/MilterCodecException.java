package org.pmult.milter.codec;

import io.netty.handler.codec.DecoderException;

/**
 * A Milter packet that breaks the protocol: bad length, unknown code, missing NUL terminator, a
 * field out of range. A deliberate rejection carries no cause; the connection cannot be
 * resynchronised, so whoever catches it closes the channel.
 */
public class MilterCodecException extends DecoderException {

    private static final long serialVersionUID = 1L;

    public MilterCodecException(String message) {
        super(message);
    }
}
