package org.pmult.pmilter.server;

import io.netty.channel.CombinedChannelDuplexHandler;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterRequestDecoder;
import org.pmult.pmilter.codec.PmilterResponseEncoder;

/**
 * What pmult puts first in a pmilter connection's pipeline: decodes {@code PmilterRequest}s from
 * smtps and encodes {@code PmilterResponse}s back. Malformed input closes the connection.
 */
public final class PmilterServerCodec extends CombinedChannelDuplexHandler<PmilterRequestDecoder, PmilterResponseEncoder> {

    /** Bounds every message at {@link PmilterCodes#DEFAULT_MAX_MESSAGE_LENGTH}. */
    public PmilterServerCodec() {
        this(PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }

    /** @param maxMessageLength largest message accepted from and sent to smtps */
    public PmilterServerCodec(int maxMessageLength) {
        super(new PmilterRequestDecoder(maxMessageLength), new PmilterResponseEncoder(maxMessageLength));
    }
}
