package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.EncoderException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pmult.milter.codec.WireBytes.hex;

class CStringsTest {

    @Test
    void writesEveryByteValueAsOneOctetAndReadsItBackUnchanged() {
        byte[] all = new byte[255];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) (i + 1); // 0x01..0xFF: every byte a Milter string can hold
        }
        ByteBuf in = Unpooled.buffer().writeBytes(all).writeByte(0);
        String value = CStrings.read(in, "field");
        assertEquals(255, value.length());
        ByteBuf out = Unpooled.buffer();
        CStrings.write(out, value, "field");
        assertEquals(CStrings.encodedLength(value, "field"), out.readableBytes());
        assertArrayEquals(ByteBufUtil.getBytes(in, 0, 256), ByteBufUtil.getBytes(out));
        in.release();
        out.release();
    }

    @Test
    void rawLatin1AndUtf8BytesPassUnchanged() {
        for (String hex : List.of("63 61 66 E9", "47 72 C3 BC C3 9F 65", "FF FE 80")) {
            ByteBuf in = Unpooled.buffer().writeBytes(hex(hex)).writeByte(0);
            ByteBuf out = Unpooled.buffer();
            CStrings.write(out, CStrings.read(in, "field"), "field");
            assertEquals(hex + " 00", hex(out));
            in.release();
            out.release();
        }
    }

    @Test
    void refusesACharThatIsNoOctetAndConvertsTextToItsUtf8Octets() {
        ByteBuf out = Unpooled.buffer();
        EncoderException e = assertThrows(EncoderException.class, () -> CStrings.write(out, "\u65E5", "f"));
        assertEquals("f: char U+65E5 is not an octet (expected: an octet string, one char per byte 0..255;"
                + " convert text with CStrings.octets)", e.getMessage());
        assertThrows(EncoderException.class, () -> CStrings.encodedLength("\u65E5", "f"));
        CStrings.write(out, CStrings.octets("Gr\u00FC\u00DFe \u65E5"), "f");
        assertEquals("47 72 C3 BC C3 9F 65 20 E6 97 A5 00", hex(out));
        out.release();
    }

    @Test
    void refusesANulInsideAValueWhenSizingAndWhenWriting() {
        EncoderException sizing = assertThrows(EncoderException.class, () -> CStrings.encodedLength("a\0", "f"));
        assertEquals("f: contains a NUL byte, which Milter strings cannot carry", sizing.getMessage());
        ByteBuf out = Unpooled.buffer();
        assertThrows(EncoderException.class, () -> CStrings.write(out, "ü\0", "f"));
        out.release();
    }

    @Test
    void readsConsecutiveStringsAndNamesTheFieldWhenTheNulIsMissing() {
        ByteBuf in = Unpooled.wrappedBuffer(hex("61 00 00 62 63"));
        assertEquals("a", CStrings.read(in, "first"));
        assertEquals("", CStrings.read(in, "second"));
        MilterCodecException e = assertThrows(MilterCodecException.class, () -> CStrings.read(in, "third"));
        assertEquals("third: missing NUL terminator after 2 bytes", e.getMessage());
        in.release();
    }
}
