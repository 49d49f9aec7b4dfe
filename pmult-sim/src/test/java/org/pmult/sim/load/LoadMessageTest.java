package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoadMessageTest {

    @Test
    void hasExactlyTheRequestedSizeForEverySizeFromTheMinimumOn() {
        for (int size = LoadMessage.MIN_SIZE; size <= LoadMessage.MIN_SIZE + 400; size++) {
            LoadMessage message = LoadMessage.ofSize(size);
            assertEquals(size, message.size());
            assertEquals(size, message.content().length);
        }
        assertEquals(102_400, LoadMessage.ofSize(102_400).content().length);
    }

    @Test
    void contentIsTheHeaderFieldsABlankLineAndTheBody() {
        LoadMessage message = LoadMessage.ofSize(10_240);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (LoadMessage.Header header : message.headers()) {
            expected.writeBytes((header.name() + ": " + header.value() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        expected.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(message.body());
        assertArrayEquals(expected.toByteArray(), message.content());
    }

    @Test
    void bodyLinesEndInCrlfAndStayWithinSeventyEightBytes() {
        for (int size : new int[] {512, 1024, 1025, 10_240, 102_400}) {
            String body = new String(LoadMessage.ofSize(size).body(), StandardCharsets.US_ASCII);
            assertTrue(body.endsWith("\r\n"), "size " + size);
            String[] lines = body.split("\r\n", -1);
            assertEquals("", lines[lines.length - 1]);
            for (String line : Arrays.copyOf(lines, lines.length - 1)) {
                assertTrue(line.length() <= 76, "line of " + line.length() + " at size " + size);
                assertTrue(line.indexOf('\r') < 0 && line.indexOf('\n') < 0, "bare CR or LF at size " + size);
            }
        }
    }

    @Test
    void rejectsSizesOutsideItsBounds() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> LoadMessage.ofSize(511));
        assertEquals("message size: 511 (expected: 512..67108864)", small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoadMessage.ofSize(LoadMessage.MAX_SIZE + 1));
    }
}
