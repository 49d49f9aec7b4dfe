package org.pmult.server.hostile;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * Collects what the given loggers and their descendants log (at the levels logback-test.xml lets
 * through: WARN and up), so a test can assert the operator sees a clear line. Each line reads
 * {@code SimpleLoggerName: message}. Each event keeps the MDC it was logged with ({@link #awaitEvent}).
 * Appending is synchronized by logback's appender base; reads copy the list under the same lock.
 */
final class LogCapture implements AutoCloseable {

    private final List<Logger> loggers = new ArrayList<>();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            // Logback reads the MDC lazily, from whichever thread asks: take it now, on the logging thread.
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    private LogCapture(String... names) {
        appender.start();
        for (String name : names) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.addAppender(appender);
            loggers.add(logger);
        }
    }

    /** Starts capturing the loggers called {@code names} (e.g. {@code "org.pmult"}: everything of pmult's). */
    static LogCapture of(String... names) {
        return new LogCapture(names);
    }

    /** The formatted messages logged at {@code level}, oldest first. */
    List<String> lines(Level level) {
        return events(level).stream().map(LogCapture::line).toList();
    }

    /** The events logged at {@code level}, oldest first. */
    List<ILoggingEvent> events(Level level) {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = new ArrayList<>(appender.list);
        }
        return events.stream().filter(e -> e.getLevel() == level).toList();
    }

    /** Waits (up to 10 s) for an event at {@code level} whose line contains every fragment, and returns it. */
    ILoggingEvent awaitEvent(Level level, String... fragments) {
        return await("a " + level + " event containing " + Arrays.toString(fragments))
                .atMost(Duration.ofSeconds(10))
                .until(() -> events(level).stream().filter(e -> containsAll(line(e), fragments)).findFirst().orElse(null),
                        event -> event != null);
    }

    /** How many lines at {@code level} contain every fragment. */
    long count(Level level, String... fragments) {
        return lines(level).stream().filter(line -> containsAll(line, fragments)).count();
    }

    /** Waits (up to 10 s) for a line at {@code level} containing every fragment, and returns it. */
    String awaitLine(Level level, String... fragments) {
        return await("a " + level + " line containing " + Arrays.toString(fragments))
                .atMost(Duration.ofSeconds(10))
                .until(() -> lines(level).stream().filter(line -> containsAll(line, fragments)).findFirst().orElse(null),
                        line -> line != null);
    }

    private static String line(ILoggingEvent event) {
        String logger = event.getLoggerName();
        return logger.substring(logger.lastIndexOf('.') + 1) + ": " + event.getFormattedMessage();
    }

    private static boolean containsAll(String line, String... fragments) {
        for (String fragment : fragments) {
            if (!line.contains(fragment)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        for (Logger logger : loggers) {
            logger.detachAppender(appender);
        }
        appender.stop();
    }
}
