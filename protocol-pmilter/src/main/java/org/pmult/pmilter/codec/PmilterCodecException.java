package org.pmult.pmilter.codec;

import io.netty.handler.codec.DecoderException;
import java.util.Objects;

/**
 * A pmilter message broke profile 1: the text names the command, the field, the value, the bound and
 * the byte offset within the message (offset 0 is the first byte of its length prefix). Thrown
 * without a cause for a deliberate rejection; the connection that sent it is closed.
 */
public final class PmilterCodecException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** What kind of rule the input broke; a closed set, e.g. for a metric tag. */
    public enum Problem {
        /** The message length L is below the minimum or above the configured maximum. */
        FRAME_LENGTH,
        /** An entry overruns its message, the message ends inside an entry, or a CHUNK is too long. */
        ENTRY_LENGTH,
        /** The first entries are not PROT and CMD, or a session command lacks SEID as third entry. */
        HEADER,
        /** PROT names a profile version this codec does not speak. */
        PROFILE,
        /** An entry's value is malformed: wrong integer length, out of range, bad address or reply text. */
        VALUE,
        /** Entries are missing, duplicated, misplaced or too many (macros, MOD groups). */
        STRUCTURE
    }

    private final Problem problem;
    /** Offset of the offending bytes within the message, or -1 if the error is not about one place. */
    private final long offset;

    public PmilterCodecException(Problem problem, String message, long offset) {
        super(offset < 0 ? message : message + " at offset " + offset);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.offset = offset;
    }

    public PmilterCodecException(Problem problem, String message) {
        this(problem, message, -1);
    }

    public Problem problem() {
        return problem;
    }

    /** Offset of the offending bytes within the message (0 = first byte of the length prefix), or -1. */
    public long offset() {
        return offset;
    }
}
