package org.pmult.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.server.config.DebugSpec.Level.DEBUG;
import static org.pmult.server.config.DebugSpec.Level.INFO;
import static org.pmult.server.config.DebugSpec.Level.TRACE;
import static org.pmult.server.config.DebugSpec.Level.WARN;

class DebugSpecTest {

    private static final String WIRE = DebugSpec.WIRE_LOGGERS.get(0);
    private static final String MILTER_WIRE = DebugSpec.WIRE_LOGGERS.get(1);

    @Test
    void defaultsToInfoWithoutHexDumps() {
        DebugSpec spec = DebugSpec.parse("");
        assertEquals(INFO, spec.loggers().get(DebugSpec.PMULT_LOGGER));
        assertEquals(INFO, spec.loggers().get(WIRE));
        assertEquals(INFO, spec.loggers().get(MILTER_WIRE));
        assertTrue(spec.isDefault());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            info             | INFO  | INFO
            debug            | DEBUG | INFO
            trace            | TRACE | INFO
            TRACE            | TRACE | INFO
            warn             | WARN  | WARN
            off              | OFF   | OFF
            wire             | TRACE | TRACE
            prot             | TRACE | TRACE
            0                | INFO  | INFO
            1                | DEBUG | INFO
            2                | DEBUG | INFO
            3                | TRACE | INFO
            6                | TRACE | INFO
            7                | TRACE | TRACE
            9                | TRACE | TRACE
            pmult            | TRACE | TRACE
            !pmult           | INFO  | INFO
            pmult.error      | INFO  | INFO
            pmult.trace1     | DEBUG | INFO
            pmult.trace2     | DEBUG | INFO
            pmult.trace3     | TRACE | INFO
            pmult.trace7     | TRACE | TRACE
            pmult.=trace2    | DEBUG | INFO
            pmult.prot,!=prot,!trace9,trace4 | TRACE | INFO
            pmult.trace0-trace7 | TRACE | TRACE
            pmult.!trace9    | INFO  | INFO
            pmult.trace7;pmult.!trace9 | INFO | INFO
            debug 7          | TRACE | TRACE
            7;info           | INFO  | INFO
            """)
    void mapsLevelsNumbersAndMailutilsSpecs(String text, DebugSpec.Level pmult, DebugSpec.Level wire) {
        DebugSpec spec = DebugSpec.parse(text);
        assertEquals(pmult, spec.loggers().get(DebugSpec.PMULT_LOGGER), "org.pmult");
        assertEquals(wire, spec.loggers().get(WIRE), "pmilter wire");
        assertEquals(wire, spec.loggers().get(MILTER_WIRE), "milter wire");
        assertEquals(text.strip(), spec.text());
    }

    @Test
    void setsNamedLoggers() {
        DebugSpec spec = DebugSpec.parse("org.pmult.session=debug io.netty=WARN;com.example=all");
        assertEquals(DEBUG, spec.loggers().get("org.pmult.session"));
        assertEquals(WARN, spec.loggers().get("io.netty"));
        assertEquals(TRACE, spec.loggers().get("com.example"));
        assertEquals(INFO, spec.loggers().get(DebugSpec.PMULT_LOGGER));
        assertFalse(spec.isDefault());
    }

    @Test
    void notesOtherMailutilsCategoriesInsteadOfFailing() {
        DebugSpec spec = DebugSpec.parse("acl.trace9;pmult.trace1;!config");
        assertEquals(DEBUG, spec.loggers().get(DebugSpec.PMULT_LOGGER));
        assertEquals(List.of(
                "debug: Mailutils category \"acl\" has no counterpart in pmult; \"acl.trace9\" ignored",
                "debug: Mailutils category \"config\" has no counterpart in pmult; \"!config\" ignored"), spec.notes());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            trcae            | bad debug level "trcae": expected: 0..9, off, error, warn, info, debug, trace, wire, LOGGER=LEVEL, or Mailutils syntax such as pmult.trace7
            10               | bad debug level "10": expected: 0..9, off, error, warn, info, debug, trace, wire, LOGGER=LEVEL, or Mailutils syntax such as pmult.trace7
            pmult.trace10    | bad debug level "pmult.trace10": unknown Mailutils level "trace10" (expected: error, trace0..trace9 or prot)
            pmult.trace7-trace2 | bad debug level "pmult.trace7-trace2": empty level range "trace7-trace2"
            io.netty=loud    | bad debug level "io.netty=loud": unknown level "loud" (expected: off, error, warn, info, debug or trace)
            9bad=debug       | bad debug level "9bad=debug": bad logger name "9bad"
            """)
    void rejectsBadSpecsNamingTheItem(String text, String message) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> DebugSpec.parse(text));
        assertEquals(message, error.getMessage());
    }
}
