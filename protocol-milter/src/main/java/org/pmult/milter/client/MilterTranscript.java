package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Milter half of the decoded protocol transcript: one TRACE line per command pmult sends and per
 * reply it decodes, on logger {@value #LOGGER_NAME}, e.g. {@code milter "mfd" (...) -> Rcpt[...]}.
 * The session id comes with the MDC (see {@link LogContext}). Body chunks show as sizes; the wire
 * loggers' hex dumps are the place for bytes.
 */
public final class MilterTranscript {

    /** Logger of the Milter transcript; {@code org.pmult.transcript} switches both protocols' on. */
    public static final String LOGGER_NAME = "org.pmult.transcript.milter";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private MilterTranscript() {
    }

    static void sent(String peer, MilterCommand command) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} -> {}", peer, command);
        }
    }

    static void received(String peer, MilterReply reply) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} <- {}", peer, reply);
        }
    }
}
