package org.pmult.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.AppenderAttachable;
import org.junit.jupiter.api.Test;
import org.pmult.server.testing.LogbackCapture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-line text pattern of pmult's logback.xml files, written with {@link SessionMdcConverter},
 * {@link OneLineMessageConverter} and {@link JournaldPriorityConverter}, writes exactly what the
 * regular-expression pattern it replaced wrote (kept here as the reference), event for event.
 */
class OneLinePatternTest {

    private static final String OLD_MDC =
            "%replace( session=%X{session}){' session=$', ''}%replace( msgid=%X{msgid}){' msgid=$', ''}";
    private static final String OLD_MESSAGE =
            "%replace(%msg){'[\\r\\n]+', ' | '}%replace( | %replace(%ex){'[\\r\\n]+\\s*', ' | '}){'^ \\| $| \\| $', ''}%nopex";
    private static final String OLD_PRIORITY = "%replace(%replace(%replace(%replace(%replace(%level){'^ERROR$', '<3>'})"
            + "{'^WARN$', '<4>'}){'^INFO$', '<6>'}){'^DEBUG$', '<7>'}){'^TRACE$', '<7>'}";
    private static final String OLD_BUILT_IN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36}" + OLD_MDC + " - " + OLD_MESSAGE + "%n";
    private static final String OLD_PACKAGED =
            OLD_PRIORITY + "%-5level [%thread] %logger{36}" + OLD_MDC + " - " + OLD_MESSAGE + "%n";

    private static final Path PACKAGING_LOGBACK = Path.of("..", "packaging", "logback.xml");

    @Test
    void builtInConfigWritesWhatTheRegularExpressionPatternWrote() throws Exception {
        assertSameOutput(OLD_BUILT_IN, LogbackCapture.builtInConfig());
    }

    @Test
    void packagedConfigWritesWhatTheRegularExpressionPatternWrote() throws Exception {
        assertTrue(Files.isRegularFile(PACKAGING_LOGBACK), PACKAGING_LOGBACK.toAbsolutePath().toString());
        assertSameOutput(OLD_PACKAGED, PACKAGING_LOGBACK.toUri().toURL());
    }

    @Test
    void aStackTraceIsOneLineAfterTheMessage() throws Exception {
        LoggerContext context = new LoggerContext();
        Layout<ILoggingEvent> layout = configuredLayout(context, LogbackCapture.builtInConfig());
        LoggingEvent event = event(context, Level.ERROR, "failed\r\nforged", nested(), Map.of("session", "S1"));

        String line = layout.doLayout(event);

        assertEquals(line.length() - System.lineSeparator().length(), line.indexOf(System.lineSeparator()),
                "one line break, at the end: " + line);
        assertTrue(line.contains(" session=S1 - failed | forged | java.lang.IllegalStateException: outer | at "), line);
        assertTrue(line.contains(" | Caused by: java.io.IOException: inner | two | ... "), line);
        assertFalse(line.contains("\t"), line);
        context.stop();
    }

    private static void assertSameOutput(String oldPattern, URL config) throws Exception {
        LoggerContext context = new LoggerContext();
        Layout<ILoggingEvent> current = configuredLayout(context, config);
        PatternLayout old = new PatternLayout();
        old.setContext(context);
        old.setPattern(oldPattern);
        old.start();
        List<LoggingEvent> events = events(context);
        for (LoggingEvent event : events) {
            assertEquals(old.doLayout(event), current.doLayout(event), () -> "for " + event + " " + event.getMDCPropertyMap());
        }
        context.stop();
    }

    private static List<LoggingEvent> events(LoggerContext context) {
        List<Map<String, String>> mdcs = List.of(Map.of(), Map.of("session", "S1A2B3"), Map.of("msgid", "<x@example.org>"),
                Map.of("session", "S1A2B3", "msgid", "<x@example.org>"), Map.of("session", "", "msgid", ""),
                Map.of("other", "value"));
        List<String> messages = new ArrayList<>(List.of("plain", "", "a\r\nb", "a\nb", "a\rb", "a\r\n\r\n\nb\r",
                "\r\nleading and trailing\n", "indent kept\n\tafter a break", "pipe | already", "ümlaut ✓\r\nzwei"));
        messages.add(null);
        List<Throwable> throwables = new ArrayList<>(List.of(new IllegalStateException("boom"),
                new RuntimeException("multi\r\nline\n   message"), nested(), suppressing(), new RuntimeException()));
        throwables.add(null);
        List<LoggingEvent> events = new ArrayList<>();
        Level[] levels = {Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE};
        int n = 0;
        for (Map<String, String> mdc : mdcs) {
            for (String message : messages) {
                for (Throwable throwable : throwables) {
                    events.add(event(context, levels[n++ % levels.length], message, throwable, mdc));
                }
            }
        }
        return events;
    }

    private static LoggingEvent event(LoggerContext context, Level level, String message, Throwable throwable,
                                      Map<String, String> mdc) {
        Logger logger = context.getLogger("org.pmult.milter.client.MilterClientSession");
        LoggingEvent event = new LoggingEvent(Logger.FQCN, logger, level, message, throwable, null);
        event.setInstant(Instant.parse("2026-11-24T09:15:02.311Z"));
        event.setThreadName("pmult-io-3");
        event.setMDCPropertyMap(new HashMap<>(mdc));
        return event;
    }

    private static Throwable nested() {
        IllegalStateException outer = new IllegalStateException("outer", new UncheckedIOException(
                new IOException("inner\ntwo")));
        return outer;
    }

    private static Throwable suppressing() {
        RuntimeException main = new RuntimeException("main");
        main.addSuppressed(new IllegalArgumentException("suppressed\r\none", new IOException("cause")));
        return main;
    }

    /** Configures {@code context} from {@code config} and returns the layout of its text appender (STDOUT behind ASYNC). */
    @SuppressWarnings("unchecked")
    private static Layout<ILoggingEvent> configuredLayout(LoggerContext context, URL config) throws Exception {
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
        Appender<ILoggingEvent> async = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
        Appender<ILoggingEvent> stdout = ((AppenderAttachable<ILoggingEvent>) async).getAppender("STDOUT");
        LayoutWrappingEncoder<ILoggingEvent> encoder =
                (LayoutWrappingEncoder<ILoggingEvent>) ((OutputStreamAppender<ILoggingEvent>) stdout).getEncoder();
        return encoder.getLayout();
    }
}
