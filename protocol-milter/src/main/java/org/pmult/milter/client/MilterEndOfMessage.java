package org.pmult.milter.client;

import io.netty.util.ReferenceCountUtil;
import org.pmult.milter.codec.MilterReply;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of end of message: the final verdict and the filter's changes in the order it sent
 * them. Header values in add, insert and change requests are as they are to follow the colon in the
 * message: with the MTA's one leading space unless the filter negotiated SMFIP_HDR_LEADSPC
 * ({@link HeaderLeadingSpace}). Replacement body chunks ({@link MilterReply.ReplaceBody}) hold buffers: call {@link #release()}
 * once they are applied or dropped.
 */
public record MilterEndOfMessage(MilterVerdict verdict, List<MilterReply.Modification> modifications) {

    public MilterEndOfMessage {
        Objects.requireNonNull(verdict, "verdict");
        modifications = List.copyOf(modifications);
    }

    /** A verdict without changes. */
    public static MilterEndOfMessage of(MilterVerdict verdict) {
        return new MilterEndOfMessage(verdict, List.of());
    }

    /** Releases the buffers of any replacement body chunks. */
    public void release() {
        for (MilterReply.Modification modification : modifications) {
            ReferenceCountUtil.release(modification);
        }
    }
}
