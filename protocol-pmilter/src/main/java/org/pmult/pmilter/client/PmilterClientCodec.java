package org.pmult.pmilter.client;

import io.netty.channel.CombinedChannelDuplexHandler;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterRequestEncoder;
import org.pmult.pmilter.codec.PmilterResponseDecoder;

/**
 * The smtps side of the codec (what the MeTA1 simulator runs): encodes {@code PmilterRequest}s and
 * decodes {@code PmilterResponse}s. Malformed input closes the connection.
 */
public final class PmilterClientCodec extends CombinedChannelDuplexHandler<PmilterResponseDecoder, PmilterRequestEncoder> {

    /** Bounds every message at {@link PmilterCodes#DEFAULT_MAX_MESSAGE_LENGTH}. */
    public PmilterClientCodec() {
        this(PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }

    /** @param maxMessageLength largest message accepted from and sent to the pmilter */
    public PmilterClientCodec(int maxMessageLength) {
        super(new PmilterResponseDecoder(maxMessageLength), new PmilterRequestEncoder(maxMessageLength));
    }
}
