package org.pmult.server.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventLoopsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            0                   | 0
            50us                | 50000
            50 µs               | 50000
            50 microseconds     | 50000
            1 microsecond       | 1000
            1ms                 | 1000000
            1 millisecond       | 1000000
            """)
    void readsASpinWithItsUnit(String text, long nanos) {
        assertEquals(Duration.ofNanos(nanos), EventLoops.parseSpin(text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            50      | "50" has no unit (expected: e.g. 50us or 1ms)
            50 days | bad value "50 days" (expected: e.g. 50us, 50 microseconds, 1ms or 0)
            fast    | bad value "fast" (expected: e.g. 50us, 50 microseconds, 1ms or 0)
            """)
    void refusesASpinWithoutAUnitItKnows(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> EventLoops.parseSpin(text)).getMessage());
    }

    @ParameterizedTest(name = "{0} threads, {1} ns")
    @CsvSource(delimiter = '|', textBlock = """
            -1   | 0       | threads: -1 (expected: 0 (two per core) .. 1024)
            2000 | 0       | threads: 2000 (expected: 0 (two per core) .. 1024)
            1    | 2000000 | spin: 2 milliseconds (expected: 0 (off) .. 1 millisecond)
            """)
    void refusesValuesOutOfRange(int threads, long spinNanos, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> new EventLoops(threads, Duration.ofNanos(spinNanos))).getMessage());
    }
}
