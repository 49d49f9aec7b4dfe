package org.pmult.server.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.joran.spi.JoranException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.server.testing.LogbackCapture;
import org.slf4j.MDC;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations logging contract of the two shipped logback configurations: one stdout line per
 * event, MDC session and msgid when set, no ANSI, line breaks folded, wire dumps off.
 */
class LogbackConfigTest {

    private static final String SESSION_LOGGER = "org.pmult.server.session.MultiplexSession";
    private static final Path PACKAGING_LOGBACK = Path.of("..", "packaging", "logback.xml");

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    private static List<String> logWith(URL config, Consumer<LoggerContext> logging) throws JoranException {
        return LogbackCapture.stdoutLines(config, logging);
    }

    private static URL builtIn() {
        return LogbackCapture.builtInConfig();
    }

    private static URL packaged() throws Exception {
        assertTrue(Files.isRegularFile(PACKAGING_LOGBACK), PACKAGING_LOGBACK.toAbsolutePath().toString());
        return PACKAGING_LOGBACK.toUri().toURL();
    }

    private static void logTheSampleEvents(LoggerContext context) {
        Logger log = context.getLogger(SESSION_LOGGER);
        log.info("listening");
        MDC.put("session", "S1A2B3");
        log.warn("milter \"mfd\": no reply to SMFIC_RCPT\r\nforged: line");
        MDC.put("msgid", "<x@example.org>");
        log.error("default action applied", new IllegalStateException("first\nsecond", new RuntimeException("cause")));
        MDC.clear();
        context.getLogger("org.pmult.pmilter.wire.PmilterFrameLogger").debug("00 00 00 30 ...");
        context.getLogger("org.pmult.milter.wire.MilterFrameLogger").debug("00 00 00 0d ...");
        log.debug("stage detail");
    }

    private static void assertOperationsContract(List<String> lines) {
        assertEquals(3, lines.size(), "one line per event, wire dumps and DEBUG off: " + lines);
        for (String line : lines) {
            assertFalse(line.contains("\u001b["), "no ANSI colours: " + line);
            assertFalse(line.contains("\r"), "no stray CR: " + line);
        }
        assertTrue(lines.get(0).endsWith("] o.p.server.session.MultiplexSession - listening"), lines.get(0));
        assertTrue(lines.get(1).endsWith(" session=S1A2B3 - milter \"mfd\": no reply to SMFIC_RCPT | forged: line"), lines.get(1));
        assertFalse(lines.get(1).contains("msgid="), lines.get(1));
        assertTrue(lines.get(2).contains(" session=S1A2B3 msgid=<x@example.org> - default action applied"
                + " | java.lang.IllegalStateException: first | second | at "), lines.get(2));
        assertTrue(lines.get(2).contains(" | Caused by: java.lang.RuntimeException: cause"), lines.get(2));
    }

    @Test
    void builtInConfigLogsOneTimestampedLinePerEvent() throws Exception {
        List<String> lines = logWith(builtIn(), LogbackConfigTest::logTheSampleEvents);

        assertOperationsContract(lines);
        assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  \\[.*"),
                lines.get(0));
        assertTrue(lines.get(1).matches("\\S+ WARN  \\[.*"), lines.get(1));
    }

    @Test
    void packagedConfigPrefixesJournaldPrioritiesAndNoTimestamp() throws Exception {
        List<String> lines = logWith(packaged(), LogbackConfigTest::logTheSampleEvents);

        assertOperationsContract(lines);
        assertTrue(lines.get(0).startsWith("<6>INFO  ["), lines.get(0));
        assertTrue(lines.get(1).startsWith("<4>WARN  ["), lines.get(1));
        assertTrue(lines.get(2).startsWith("<3>ERROR ["), lines.get(2));
    }

    @Test
    void wireDumpsAppearOnlyWhenTheirLoggerIsRaised() throws Exception {
        List<String> lines = logWith(packaged(), context -> {
            context.getLogger("org.pmult.pmilter.wire").setLevel(Level.DEBUG);
            context.getLogger("org.pmult.pmilter.wire.PmilterFrameLogger").debug("00 00 00 30");
        });

        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("<7>DEBUG ["), lines.get(0));
        assertTrue(lines.get(0).endsWith(" - 00 00 00 30"), lines.get(0));
    }
}
