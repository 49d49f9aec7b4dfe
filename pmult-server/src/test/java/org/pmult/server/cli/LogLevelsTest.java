package org.pmult.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogLevelsTest {

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    @AfterEach
    void restore() {
        LogLevels.reset();
    }

    private Level level(String logger) {
        return context.getLogger(logger).getLevel();
    }

    @Test
    void setsPmultAndWireLoggers() {
        LogLevels.apply("trace");
        assertEquals(Level.TRACE, level("org.pmult"));
        assertEquals(Level.INFO, level("org.pmult.pmilter.wire"));
        assertEquals(Level.INFO, level("org.pmult.milter.wire"));

        LogLevels.apply("9");
        assertEquals(Level.TRACE, level("org.pmult.pmilter.wire"));
        assertEquals(Level.TRACE, level("org.pmult.milter.wire"));
    }

    @Test
    void restoresLoggersAnEarlierSpecChanged() {
        Level before = level("com.example.other");
        LogLevels.apply("com.example.other=debug");
        assertEquals(Level.DEBUG, level("com.example.other"));

        LogLevels.apply("info");
        assertEquals(before, level("com.example.other"));

        LogLevels.reset();
        assertNull(level("org.pmult"));
    }

    @Test
    void leavesLevelsAloneWhenTheSpecIsBad() {
        LogLevels.apply("debug");
        assertThrows(IllegalArgumentException.class, () -> LogLevels.apply("loud"));
        assertEquals(Level.DEBUG, level("org.pmult"));
    }
}
