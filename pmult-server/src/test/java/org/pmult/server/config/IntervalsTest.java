package org.pmult.server.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Expected values measured with mailfromd 8.15's own interval() function where mailfromd accepts the input. */
class IntervalsTest {

    @ParameterizedTest(name = "\"{0}\" = {1} s")
    @CsvSource(delimiter = '|', textBlock = """
            300                   | 300
            0                     | 0
            10 s                  | 10
            1 sec                 | 1
            1 seconds             | 1
            5 min                 | 300
            5 minutes             | 300
            5 M                   | 300
            5 MINUTES             | 300
            5 m 5                 | 305
            minute                | 60
            hour                  | 3600
            3 h                   | 10800
            1 hour 30 minutes     | 5400
            2 hour 5              | 7205
            1 hour 1 hour         | 7200
            1 d                   | 86400
            2 days                | 172800
            1 w                   | 604800
            2 weeks               | 1209600
            5 mi                  | 300
            5 se                  | 5
            5 ho                  | 18000
            5 da                  | 432000
            5 we                  | 3024000
            1 mo                  | 2592000
            1 month               | 2592000
            '  10  '              | 10
            """)
    void parsesMailfromdIntervals(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Intervals.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\" = {1} s")
    @CsvSource(delimiter = '|', textBlock = """
            10s       | 10
            2m        | 120
            1h30m     | 5400
            1hour     | 3600
            """)
    void alsoAcceptsUnitsGluedToNumbersUnlikeMailfromd(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Intervals.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            10 parsecs  | bad interval "10 parsecs": unknown unit "parsecs" (expected: seconds, minutes, hours, days, weeks or months, or a prefix such as s, min, h)
            5 mins      | bad interval "5 mins": unknown unit "mins" (expected: seconds, minutes, hours, days, weeks or months, or a prefix such as s, min, h)
            2 hrs       | bad interval "2 hrs": unknown unit "hrs" (expected: seconds, minutes, hours, days, weeks or months, or a prefix such as s, min, h)
            1 y         | bad interval "1 y": unknown unit "y" (expected: seconds, minutes, hours, days, weeks or months, or a prefix such as s, min, h)
            5 5         | bad interval "5 5": number 5 is not followed by a unit
            1.5 hours   | bad interval "1.5 hours": unexpected "." (expected: numbers and units such as 5 minutes)
            1 hour,30 minutes | bad interval "1 hour,30 minutes": unexpected "," (expected: numbers and units such as 5 minutes)
            `  `        | bad interval "": empty (expected: e.g. 300, 10 seconds, 5 minutes, 1 hour 30 minutes)
            9999999999999 | bad interval "9999999999999": number 9999999999999 is too large
            999999 weeks | bad interval "999999 weeks": longer than 100 years
            """)
    void rejectsWhatMailfromdRejectsWithTheReason(String text, String message) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Intervals.parse(text));
        assertEquals(message, error.getMessage());
    }

    @ParameterizedTest(name = "{0} s -> \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            0      | 0 seconds
            1      | 1 second
            10     | 10 seconds
            60     | 1 minute
            300    | 5 minutes
            5400   | 1 hour 30 minutes
            90061  | 1 day 1 hour 1 minute 1 second
            """)
    void formatsDurationsTheWayPmultConfWritesThem(long seconds, String text) {
        assertEquals(text, Intervals.format(Duration.ofSeconds(seconds)));
        assertEquals(Duration.ofSeconds(seconds), Intervals.parse(text));
    }

    @org.junit.jupiter.api.Test
    void formatsSubSecondDurationsInMilliseconds() {
        assertEquals("1500 milliseconds", Intervals.format(Duration.ofMillis(1500)));
    }
}
