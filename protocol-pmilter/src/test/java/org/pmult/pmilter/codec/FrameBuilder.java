package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/** Test helper: builds frames entry by entry, including deliberately broken ones. Codes come from the table. */
public final class FrameBuilder {

    private final ByteBuf body = Unpooled.buffer();

    /** A frame that starts with PROT (the profile version) and CMD {@code command}. */
    public static FrameBuilder message(int command) {
        return new FrameBuilder().intEntry(Tag.PROT, PmilterCodes.PROFILE_VERSION).intEntry(Tag.CMD, command);
    }

    /** A frame with PROT, CMD and SEID. */
    public static FrameBuilder session(int command, String seid) {
        return message(command).stringEntry(Tag.SEID, seid);
    }

    public static FrameBuilder empty() {
        return new FrameBuilder();
    }

    public FrameBuilder intEntry(Tag tag, long value) {
        body.writeInt(PmilterCodes.INT_VALUE_LENGTH).writeInt(tag.value()).writeInt((int) value);
        return this;
    }

    public FrameBuilder stringEntry(Tag tag, String value) {
        return entry(tag.value(), value.getBytes(StandardCharsets.UTF_8));
    }

    public FrameBuilder entry(Tag tag, byte[] value) {
        return entry(tag.value(), value);
    }

    /** An entry with any tag value, including ones the profile does not define. */
    public FrameBuilder entry(long tag, byte[] value) {
        body.writeInt(value.length).writeInt((int) tag).writeBytes(value);
        return this;
    }

    /** An entry header announcing {@code length} bytes, followed by whatever is appended next. */
    public FrameBuilder entryHeader(long length, long tag) {
        body.writeInt((int) length).writeInt((int) tag);
        return this;
    }

    public FrameBuilder raw(byte... bytes) {
        body.writeBytes(bytes);
        return this;
    }

    /** Current offset within the message (length prefix counted), for asserting error offsets. */
    public int offset() {
        return PmilterCodes.LENGTH_FIELD_LENGTH + body.readableBytes();
    }

    /** The frame with the correct length prefix. */
    public byte[] build() {
        return buildWithLength(body.readableBytes());
    }

    /** The frame with any length prefix. */
    public byte[] buildWithLength(long length) {
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt((int) length).writeBytes(body, body.readerIndex(), body.readableBytes());
        return ByteBufUtil.getBytes(frame);
    }
}
