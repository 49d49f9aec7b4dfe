package org.pmult.server.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --log-format} applied to pmult's built-in logback.xml (stdout behind an async queue). */
class LogFormatTest {

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    /** Configures a private context from the built-in logback.xml, applies {@code format}, logs one warning. */
    private static List<String> logOneWarning(LogFormat format) throws Exception {
        URL builtIn = LogFormatTest.class.getClassLoader().getResource("logback.xml");
        assertNotNull(builtIn, "logback.xml on the classpath");
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            configurator.doConfigure(builtIn);
            format.apply(context);
            MDC.put("session", "S1A2B3");
            MDC.put("msgid", "<x@example.org>");
            context.getLogger("org.pmult.milter.client.MilterClientSession")
                    .warn("milter \"{}\": no reply to SMFIC_RCPT within 10s\r\nforged line", "mfd");
        } finally {
            context.stop(); // drains the async queue
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
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
