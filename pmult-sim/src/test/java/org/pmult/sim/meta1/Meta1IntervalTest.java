package org.pmult.sim.meta1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Meta1IntervalTest {

    @ParameterizedTest
    @CsvSource({"300,300", "10s,10", "5m,300", "2h,7200", "1d,86400", "1w,604800", "1h30m,5400", "1m30s,90"})
    void parsesMeta1TimeValues(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Meta1Interval.parse(text));
    }

    @Test
    void acceptsMillisecondsOnlyWhenAsked() {
        assertEquals(Duration.ofMillis(300), Meta1Interval.parse("300ms", true));
        assertEquals("time value \"300ms\": unit \"ms\" is not MeTA1 syntax (expected: one of s, m, h, d, w)",
                assertThrows(IllegalArgumentException.class, () -> Meta1Interval.parse("300ms")).getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|time value \"\": empty (expected: e.g. 30, 10s, 5m, 1h30m)",
            "m|time value \"m\": \"m\" does not start with a number",
            "1h30|time value \"1h30\": number 30 has no unit (expected: one of s, m, h, d, w)",
            "5 m|time value \"5 m\": unexpected \" \" (expected: a digit or one of s, m, h, d, w)",
            "1000w|time value \"1000w\": 604800000 seconds (expected: <= 31536000)",
            "9999999999|time value \"9999999999\": number 9999999999 is too large (expected: <= 999999999)",
    })
    void explainsBadValues(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Meta1Interval.parse(text)).getMessage());
    }

    @Test
    void formatsTheWayMeta1WritesTimes() {
        assertEquals("1h30m", Meta1Interval.format(Duration.ofSeconds(5400)));
        assertEquals("300ms", Meta1Interval.format(Duration.ofMillis(300)));
        assertEquals("30s", Meta1Interval.format(Duration.ofSeconds(30)));
    }
}
