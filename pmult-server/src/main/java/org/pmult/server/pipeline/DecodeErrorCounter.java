package org.pmult.server.pipeline;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import org.pmult.pmilter.codec.PmilterCodecException;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.server.metrics.DecodeErrorReason;
import org.pmult.server.metrics.PmultMetrics;

/**
 * Counts pmilter decode errors by reason on their way to the connection handler, which logs and
 * closes; and unknown commands, which the handler answers with ERROR while the connection stays.
 */
@ChannelHandler.Sharable
final class DecodeErrorCounter extends ChannelInboundHandlerAdapter {

    private final PmultMetrics metrics;

    DecodeErrorCounter(PmultMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PmilterRequest.UnknownCommand) {
            metrics.decodeError(DecodeErrorReason.UNKNOWN_COMMAND);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable codecError = cause instanceof DecoderException && cause.getCause() instanceof PmilterCodecException
                ? cause.getCause() : cause;
        if (codecError instanceof PmilterCodecException pmilter) {
            metrics.decodeError(reasonOf(pmilter.problem()));
        } else if (cause instanceof DecoderException) {
            metrics.decodeError(DecodeErrorReason.OTHER);
        }
        ctx.fireExceptionCaught(cause);
    }

    static DecodeErrorReason reasonOf(PmilterCodecException.Problem problem) {
        return switch (problem) {
            case FRAME_LENGTH -> DecodeErrorReason.FRAME_LENGTH;
            case ENTRY_LENGTH -> DecodeErrorReason.ENTRY_LENGTH;
            case HEADER -> DecodeErrorReason.HEADER;
            case PROFILE -> DecodeErrorReason.PROFILE;
            case VALUE -> DecodeErrorReason.VALUE;
            case STRUCTURE -> DecodeErrorReason.OTHER;
        };
    }
}
