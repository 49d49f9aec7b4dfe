package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.EncoderException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pmult.milter.codec.WireBytes.hex;

class CStringsTest {

    @Test
    void writesAsciiUtf8AndSupplementaryCharactersWithTheirLengthKnownInAdvance() {
        for (String value : List.of("", "plain", "Grüße", "日本", "\uD83D\uDCE7 mail")) {
            ByteBuf out = Unpooled.buffer();
            CStrings.write(out, value, "field");
            assertEquals(CStrings.encodedLength(value, "field"), out.readableBytes(), value);
            assertEquals(value, CStrings.read(out, "field"));
            out.release();
        }
    }

    @Test
    void anUnpairedSurrogateBecomesAQuestionMarkAndLeavesTheNextCharacterIntact() {
        String value = "\uD837\u6000";
        ByteBuf out = Unpooled.buffer();
        CStrings.write(out, value, "field");
        assertEquals(CStrings.encodedLength(value, "field"), out.readableBytes());
        assertEquals("3F E6 80 80 00", hex(out));
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
