package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every pmilter frame, in both directions, as a hex dump at TRACE on logger
 * {@value #LOGGER_NAME}, so an administrator can capture real MeTA1 traffic and check this
 * reconstructed profile against it (see {@code docs/pmilter-wire.md}). Frames carry message bodies,
 * which is why this is TRACE only.
 */
public final class PmilterWireLogger {

    /** Logger name to raise to TRACE, e.g. {@code <logger name="org.pmult.pmilter.wire" level="TRACE"/>}. */
    public static final String LOGGER_NAME = "org.pmult.pmilter.wire";

    /** Bytes shown of a frame rejected before it was complete (a bad length prefix). */
    private static final int REJECTED_DUMP_LIMIT = 64;

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private PmilterWireLogger() {
    }

    /** Whether frames are being logged; check before building anything expensive. */
    public static boolean isEnabled() {
        return LOG.isTraceEnabled();
    }

    /** A complete frame that arrived (length prefix included). Does not change the buffer. */
    public static void received(Channel channel, ByteBuf frame) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} received {} bytes:\n{}", channel, frame.readableBytes(), ByteBufUtil.prettyHexDump(frame));
        }
    }

    /** A complete frame about to be written (length prefix included). Does not change the buffer. */
    public static void sent(Channel channel, ByteBuf frame) {
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} sent {} bytes:\n{}", channel, frame.readableBytes(), ByteBufUtil.prettyHexDump(frame));
        }
    }

    /** Input the decoder refused before it formed a frame; shows at most the first 64 bytes. */
    public static void rejected(Channel channel, ByteBuf input, String reason) {
        if (LOG.isTraceEnabled()) {
            int length = Math.min(input.readableBytes(), REJECTED_DUMP_LIMIT);
            LOG.trace("{} rejected input ({}), first {} of {} bytes:\n{}", channel, reason, length,
                    input.readableBytes(), ByteBufUtil.prettyHexDump(input, input.readerIndex(), length));
        }
    }
}
