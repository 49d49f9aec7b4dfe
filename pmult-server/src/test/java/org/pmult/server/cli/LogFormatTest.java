package org.pmult.server.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.server.testing.LogbackCapture;
import org.slf4j.MDC;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --log-format} applied to pmult's built-in logback.xml (stdout behind an async queue). */
class LogFormatTest {

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    /** Configures a private context from the built-in logback.xml, applies {@code format}, logs one warning. */
    private static List<String> logOneWarning(LogFormat format) throws Exception {
        return LogbackCapture.stdoutLines(LogbackCapture.builtInConfig(), context -> {
            format.apply(context);
            MDC.put("session", "S1A2B3");
            MDC.put("msgid", "<x@example.org>");
            context.getLogger("org.pmult.milter.client.MilterClientSession")
                    .warn("milter \"{}\": no reply to SMFIC_RCPT within 10s\r\nforged line", "mfd");
        });
    }

    @Test
    void jsonWritesOneObjectPerLineWithLevelLoggerMdcAndMessage() throws Exception {
        List<String> lines = logOneWarning(LogFormat.JSON);

        assertEquals(1, lines.size(), String.valueOf(lines));
        String line = lines.get(0);
        assertTrue(line.startsWith("{") && line.endsWith("}"), line);
        assertTrue(line.contains("\"level\":\"WARN\""), line);
        assertTrue(line.contains("\"loggerName\":\"org.pmult.milter.client.MilterClientSession\""), line);
        assertTrue(line.contains("\"session\":\"S1A2B3\"") && line.contains("\"msgid\":\"<x@example.org>\""), line);
        assertTrue(line.contains("\"formattedMessage\":\"milter \\\"mfd\\\": no reply to SMFIC_RCPT within 10s\\r\\nforged line\""),
                line);
        assertTrue(line.contains("\"timestamp\":"), line);
        assertFalse(line.contains("\"context\""), "no logger-context noise: " + line);
    }

    @Test
    void textKeepsTheConfiguredPattern() throws Exception {
        List<String> lines = logOneWarning(LogFormat.TEXT);

        assertEquals(1, lines.size(), String.valueOf(lines));
        assertTrue(lines.get(0).contains(" WARN  [") && lines.get(0).contains(" session=S1A2B3 msgid=<x@example.org> - milter \"mfd\""),
                lines.get(0));
    }
}
