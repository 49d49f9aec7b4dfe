package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SizeParserTest {

    @Test
    void readsPlainBytesAndBinaryUnits() {
        assertEquals(10_240, SizeParser.parse("10240"));
        assertEquals(10_240, SizeParser.parse("10K"));
        assertEquals(10_240, SizeParser.parse("10k"));
        assertEquals(10_240, SizeParser.parse("10KiB"));
        assertEquals(102_400, SizeParser.parse("100KB"));
        assertEquals(1 << 20, SizeParser.parse("1M"));
        assertEquals(512, SizeParser.parse("512B"));
    }

    @Test
    void namesTheInputInEveryError() {
        assertEquals("size \"10X\": not a size (expected: e.g. 10240, 10K, 1M)",
                assertThrows(IllegalArgumentException.class, () -> SizeParser.parse("10X")).getMessage());
        assertEquals("size \"ten\": not a size (expected: e.g. 10240, 10K, 1M)",
                assertThrows(IllegalArgumentException.class, () -> SizeParser.parse("ten")).getMessage());
        assertEquals("size \"4096M\": 4294967296 bytes (expected: <= 2147483647)",
                assertThrows(IllegalArgumentException.class, () -> SizeParser.parse("4096M")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SizeParser.parse("-1"));
    }
}
