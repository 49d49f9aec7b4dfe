package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Test helpers: hex byte vectors and feeding/draining embedded channels with buffers released. */
final class WireBytes {

    private WireBytes() {
    }

    /** Bytes from spaced hex, e.g. {@code "00 00 00 01 63"}. */
    static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    /** Spaced upper-case hex of a buffer's readable bytes. */
    static String hex(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return hex(bytes);
    }

    static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes);
    }

    /** Everything the channel wrote, concatenated; every outbound buffer is released. */
    static byte[] drainOutbound(EmbeddedChannel channel) {
        List<byte[]> parts = new ArrayList<>();
        int total = 0;
        for (Object message; (message = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) message;
            byte[] part = new byte[buf.readableBytes()];
            buf.readBytes(part);
            buf.release();
            parts.add(part);
            total += part.length;
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Writes {@code bytes} inbound in two pieces split at {@code offset}. */
    static void writeSplit(EmbeddedChannel channel, byte[] bytes, int offset) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, offset));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, offset, bytes.length - offset));
    }

    /** Writes {@code bytes} inbound one byte at a time. */
    static void writeByteByByte(EmbeddedChannel channel, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, 1));
        }
    }

    /** Asserts the channel holds nothing more and closes it. */
    static void assertDrained(EmbeddedChannel channel) {
        assertFalse(channel.finishAndReleaseAll(), "messages left over in the channel");
    }

    static void assertReleased(Object message) {
        if (message instanceof io.netty.util.ReferenceCounted counted) {
            assertEquals(0, counted.refCnt(), "buffer not released: " + message);
        }
    }
}
