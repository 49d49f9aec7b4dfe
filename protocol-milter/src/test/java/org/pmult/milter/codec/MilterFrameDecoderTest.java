package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pmult.milter.codec.WireBytes.assertDrained;
import static org.pmult.milter.codec.WireBytes.hex;

class MilterFrameDecoderTest {

    private static final byte[] CONTINUE_THEN_REPLYCODE =
            hex("00 00 00 01 63 00 00 00 13 79 35 35 30 20 35 2E 37 2E 31 20 47 6F 20 61 77 61 79 00");

    @Test
    void decodesTwoPacketsSplitAtEveryByte() {
        for (int offset = 0; offset <= CONTINUE_THEN_REPLYCODE.length; offset++) {
            EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder());
            WireBytes.writeSplit(channel, CONTINUE_THEN_REPLYCODE, offset);
            assertPacket(channel, "63");
            assertPacket(channel, "79 35 35 30 20 35 2E 37 2E 31 20 47 6F 20 61 77 61 79 00");
            assertDrained(channel);
        }
    }

    @Test
    void decodesPacketsFedByteByByte() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder());
        WireBytes.writeByteByByte(channel, CONTINUE_THEN_REPLYCODE);
        assertPacket(channel, "63");
        assertPacket(channel, "79 35 35 30 20 35 2E 37 2E 31 20 47 6F 20 61 77 61 79 00");
        assertDrained(channel);
    }

    @Test
    void acceptsPacketExactlyAtLimit() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder(8));
        channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 08 62 01 02 03 04 05 06 07")));
        assertPacket(channel, "62 01 02 03 04 05 06 07");
        assertDrained(channel);
    }

    @Test
    void rejectsPacketOneByteOverLimitBeforeItsPayloadArrives() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder(8));
        DecoderException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 09"))));
        assertEquals("packet length 9 (expected: <= 8) from embedded", e.getMessage());
        assertNull(e.getCause());
        assertDrained(channel);
    }

    @Test
    void rejectsTheDefaultLimitPlusOne() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder());
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 01 00 01 62"))));
        assertEquals("packet length 65537 (expected: <= 65536) from embedded", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsZeroLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder());
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 00 63"))));
        assertEquals("packet length 0 (expected: >= 1) from embedded", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void rejectsLengthWithTopBitSetWithoutOverflowing() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder());
        MilterCodecException e = assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("FF FF FF FF"))));
        assertEquals("packet length 4294967295 (expected: <= 65536) from embedded", e.getMessage());
        assertDrained(channel);
    }

    @Test
    void discardsEverythingAfterABadLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder(8));
        assertThrows(MilterCodecException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 09 63"))));
        channel.writeInbound(Unpooled.wrappedBuffer(hex("00 00 00 01 63")));
        assertNull(channel.readInbound());
        assertDrained(channel);
    }

    @Test
    void refusesANonPositiveBound() {
        assertThrows(IllegalArgumentException.class, () -> new MilterFrameDecoder(0));
    }

    private static void assertPacket(EmbeddedChannel channel, String expectedHex) {
        ByteBuf packet = channel.readInbound();
        try {
            assertEquals(expectedHex, hex(packet));
        } finally {
            packet.release();
        }
    }
}
