package org.pmult.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.pmult.server.config.DebugSpec;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Applies a {@link DebugSpec} ({@code --debug}, the {@code debug} statement) to logback at run time.
 * Applying another spec later (on reload) first restores every logger an earlier spec changed to the
 * level it had before, so levels never leak from one spec into the next.
 */
public final class LogLevels {

    /** Levels loggers had before any spec touched them (null = inherited). */
    private static final Map<String, Level> ORIGINAL = new HashMap<>();

    private LogLevels() {
    }

    /**
     * Parses and applies {@code spec}.
     *
     * @throws IllegalArgumentException if the spec is malformed (nothing is changed then)
     */
    public static DebugSpec apply(String spec) {
        DebugSpec parsed = DebugSpec.parse(spec);
        apply(parsed);
        return parsed;
    }

    /** Applies {@code spec}; a no-op when the logging backend is not logback. */
    public static synchronized void apply(DebugSpec spec) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        ORIGINAL.forEach((name, level) -> context.getLogger(name).setLevel(level));
        for (Map.Entry<String, DebugSpec.Level> entry : spec.loggers().entrySet()) {
            Logger logger = context.getLogger(entry.getKey());
            ORIGINAL.putIfAbsent(entry.getKey(), logger.getLevel());
            logger.setLevel(toLogback(entry.getValue()));
        }
    }

    /** Puts every logger a spec changed back to the level it had before (e.g. after tests). */
    public static synchronized void reset() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            ORIGINAL.forEach((name, level) -> context.getLogger(name).setLevel(level));
        }
        ORIGINAL.clear();
    }

    static Level toLogback(DebugSpec.Level level) {
        return switch (level) {
            case OFF -> Level.OFF;
            case ERROR -> Level.ERROR;
            case WARN -> Level.WARN;
            case INFO -> Level.INFO;
            case DEBUG -> Level.DEBUG;
            case TRACE -> Level.TRACE;
        };
    }
}
