package org.pmult.pmilter.server;

import io.netty.channel.Channel;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pmilter half of the decoded protocol transcript: one TRACE line per request pmult decodes and
 * per reply it writes, on logger {@value #LOGGER_NAME}, e.g. {@code pmilter /10.0.0.1:4711 <- Rcpt[seid=S1, …]}.
 * Session commands and replies carry their SEID. MSG chunks show as sizes; the wire logger's hex
 * dumps are the place for bytes.
 */
public final class PmilterTranscript {

    /** Logger of the pmilter transcript; {@code org.pmult.transcript} switches both protocols' on. */
    public static final String LOGGER_NAME = "org.pmult.transcript.pmilter";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private PmilterTranscript() {
    }

    static void received(Channel channel, PmilterRequest request) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("pmilter {} <- {}", remote(channel), request);
        }
    }

    static void sent(Channel channel, PmilterResponse response) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("pmilter {} -> {}", remote(channel), response);
        }
    }

    private static Object remote(Channel channel) {
        return channel == null ? "?" : channel.remoteAddress();
    }
}
