package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.pmult.pmilter.codec.PmilterCodecException.Problem;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

import java.nio.charset.StandardCharsets;

/**
 * Walks the entries of one complete message (§10.1), checking every length before it is used. The
 * frame starts with its u32 length prefix, so offsets reported here are message offsets.
 */
final class PmilterEntryReader {

    private final ByteBuf frame;
    private final int base;
    private final int end;
    private final long messageLength;
    private int position;

    /** Offset of the current entry's header within the message. */
    private int entryOffset = -1;
    private long rawTag;
    private Tag tag;
    private int valueLength;

    PmilterEntryReader(ByteBuf frame) {
        this.frame = frame;
        this.base = frame.readerIndex();
        this.end = frame.writerIndex();
        this.messageLength = frame.getUnsignedInt(base);
        this.position = base + PmilterCodes.LENGTH_FIELD_LENGTH;
    }

    boolean hasNext() {
        return position < end;
    }

    /** Reads the next entry header; the value is then available through the accessors. */
    void next() {
        int remaining = end - position;
        int offset = position - base;
        if (remaining < PmilterCodes.ENTRY_HEADER_LENGTH) {
            throw new PmilterCodecException(Problem.ENTRY_LENGTH, "entry header truncated: " + remaining
                    + " bytes left in the message (expected: " + PmilterCodes.ENTRY_HEADER_LENGTH + ")", offset);
        }
        long length = frame.getUnsignedInt(position);
        long rawTagValue = frame.getUnsignedInt(position + 4);
        Tag knownTag = Tag.fromValue(rawTagValue);
        // Tag names are built only for errors: describing one costs a String.format per entry.
        if (length > messageLength) {
            throw new PmilterCodecException(Problem.ENTRY_LENGTH, "entry " + describe(knownTag, rawTagValue)
                    + " value length: " + length
                    + " (expected: <= message length " + messageLength + ")", offset);
        }
        long left = remaining - PmilterCodes.ENTRY_HEADER_LENGTH;
        if (length > left) {
            throw new PmilterCodecException(Problem.ENTRY_LENGTH, "entry " + describe(knownTag, rawTagValue)
                    + " value length: " + length + " overruns the message (expected: <= " + left + ", the bytes left)", offset);
        }
        entryOffset = offset;
        rawTag = rawTagValue;
        tag = knownTag;
        valueLength = (int) length;
        position += PmilterCodes.ENTRY_HEADER_LENGTH + valueLength;
    }

    /** The current entry's tag, or {@code null} if this profile does not know it. */
    Tag tag() {
        return tag;
    }

    long rawTag() {
        return rawTag;
    }

    int offset() {
        return entryOffset;
    }

    int valueLength() {
        return valueLength;
    }

    /** Reader index of the current value within the frame buffer. */
    int valueIndex() {
        return base + entryOffset + PmilterCodes.ENTRY_HEADER_LENGTH;
    }

    /** The current entry as an integer: its length must be exactly four. */
    long intValue() {
        if (valueLength != PmilterCodes.INT_VALUE_LENGTH) {
            throw error(Problem.VALUE, describeTag() + " length: " + valueLength + " (expected: " + PmilterCodes.INT_VALUE_LENGTH + ")");
        }
        return frame.getUnsignedInt(valueIndex());
    }

    /** The current entry as an integer the API keeps in an int: at most {@link Integer#MAX_VALUE}. */
    int nonNegativeIntValue() {
        long value = intValue();
        if (value > Integer.MAX_VALUE) {
            throw error(Problem.VALUE, describeTag() + ": " + value + " (expected: <= " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }

    String stringValue() {
        return frame.toString(valueIndex(), valueLength, PmilterCodes.STRING_CHARSET);
    }

    byte[] bytesValue() {
        byte[] bytes = new byte[valueLength];
        frame.getBytes(valueIndex(), bytes);
        return bytes;
    }

    /** The SEID at the current entry, with its 1..64 byte bound checked. */
    String seidValue() {
        if (valueLength < PmilterCodes.MIN_SEID_LENGTH || valueLength > PmilterCodes.MAX_SEID_LENGTH) {
            throw error(Problem.VALUE, "SEID length: " + valueLength + " (expected: " + PmilterCodes.MIN_SEID_LENGTH + ".."
                    + PmilterCodes.MAX_SEID_LENGTH + ")");
        }
        // A session id is an identifier: it must survive decoding unchanged, so no replacement characters.
        if (!ByteBufUtil.isText(frame, valueIndex(), valueLength, StandardCharsets.UTF_8)) {
            throw error(Problem.VALUE, "SEID: not valid UTF-8");
        }
        return stringValue();
    }

    String describeTag() {
        return describe(tag, rawTag);
    }

    private static String describe(Tag tag, long rawTag) {
        return tag == null ? "tag " + PmilterCodes.hex4(rawTag) : tag.describe();
    }

    /** An error about the current entry. */
    PmilterCodecException error(Problem problem, String message) {
        return new PmilterCodecException(problem, message, entryOffset);
    }

    /**
     * Reads PROT and CMD, which must open every message, and returns the CMD value.
     */
    long readProtAndCmd() {
        expectFirst(Tag.PROT, "first");
        long version = intValue();
        if (version != PmilterCodes.PROFILE_VERSION) {
            throw error(Problem.PROFILE, "PROT: " + version + " (expected: " + PmilterCodes.PROFILE_VERSION + ")");
        }
        expectFirst(Tag.CMD, "second");
        return intValue();
    }

    private void expectFirst(Tag expected, String which) {
        if (!hasNext()) {
            throw new PmilterCodecException(Problem.HEADER, "message ends before its " + which + " entry (expected: "
                    + expected.describe() + ")", position - base);
        }
        next();
        if (tag != expected) {
            throw error(Problem.HEADER, which + " entry: " + describeTag() + " (expected: " + expected.describe() + ")");
        }
    }

    /** If the next entry is SEID, consumes it and returns its value; otherwise returns {@code null}. */
    String readSeidIfPresent() {
        if (!hasNext() || end - position < PmilterCodes.ENTRY_HEADER_LENGTH
                || frame.getUnsignedInt(position + 4) != Tag.SEID.value()) {
            return null;
        }
        next();
        return seidValue();
    }

    /** Consumes the third entry, which must be SEID. */
    String readSeid(String command) {
        if (!hasNext()) {
            throw new PmilterCodecException(Problem.HEADER, command + ": message ends before its third entry (expected: "
                    + Tag.SEID.describe() + ")", position - base);
        }
        next();
        if (tag != Tag.SEID) {
            throw error(Problem.HEADER, command + ": third entry: " + describeTag() + " (expected: " + Tag.SEID.describe() + ")");
        }
        return seidValue();
    }
}
