package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterReply;

/**
 * The one space after a header's colon, as Sendmail and Postfix treat it. Unless the filter
 * negotiated SMFIP_HDR_LEADSPC, the MTA eats exactly one space (never a tab) after the colon before
 * sending the value, and puts one back in front of the values of the filter's add, insert and change
 * header requests (Sendmail's {@code addleadingspace}, Postfix's {@code MILTER8_HDR_SPACE}). With
 * LEADSPC both go exactly as they are.
 */
final class HeaderLeadingSpace {

    private HeaderLeadingSpace() {
    }

    /** The value the filter gets for a header whose bytes after the colon are {@code received}. */
    static String toFilter(String received, NegotiatedOptions options) {
        if (options.has(ProtocolFlag.HDR_LEADSPC) || received.isEmpty() || received.charAt(0) != ' ') {
            return received;
        }
        return received.substring(1);
    }

    /**
     * The filter's change with header values as they are to follow the colon in the message. A
     * change to an empty value deletes the header, so it stays empty.
     */
    static MilterReply.Modification fromFilter(MilterReply.Modification change, NegotiatedOptions options) {
        if (options.has(ProtocolFlag.HDR_LEADSPC)) {
            return change;
        }
        if (change instanceof MilterReply.AddHeader add) {
            return new MilterReply.AddHeader(add.name(), " " + add.value());
        } else if (change instanceof MilterReply.InsertHeader insert) {
            return new MilterReply.InsertHeader(insert.index(), insert.name(), " " + insert.value());
        } else if (change instanceof MilterReply.ChangeHeader header && !header.value().isEmpty()) {
            return new MilterReply.ChangeHeader(header.index(), header.name(), " " + header.value());
        }
        return change;
    }
}
