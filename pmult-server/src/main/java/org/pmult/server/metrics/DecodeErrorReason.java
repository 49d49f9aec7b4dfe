package org.pmult.server.metrics;

import java.util.Locale;

/**
 * Classes of malformed pmilter input (wire profile 1, spec §10.1), as values of the {@code reason}
 * tag. A closed set keeps the tag's cardinality bounded whatever a broken peer sends.
 */
public enum DecodeErrorReason {
    /** The message length is below the minimum or above the configured maximum. */
    FRAME_LENGTH,
    /** An entry's length overruns its message, or the message ends inside an entry. */
    ENTRY_LENGTH,
    /** The first entries are not PROT and CMD, or a session command lacks its SEID. */
    HEADER,
    /** PROT names a profile version pmult does not speak. */
    PROFILE,
    /** An entry's value is malformed (an integer that is not 4 bytes, a bad address length, bad reply text). */
    VALUE,
    /** A CMD code pmult does not know (answered with ERROR; the connection stays up). */
    UNKNOWN_COMMAND,
    /** Anything else the decoder rejected. */
    OTHER;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The value of the {@code reason} tag, e.g. {@code "frame_length"}. */
    public String tag() {
        return tag;
    }
}
