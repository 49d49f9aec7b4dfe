package org.pmult.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %pmultPriority}: the syslog priority prefix journald reads off a line: {@code <3>} for ERROR,
 * {@code <4>} WARN, {@code <6>} INFO, {@code <7>} DEBUG and TRACE.
 */
public final class JournaldPriorityConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return switch (event.getLevel().toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            case Level.DEBUG_INT, Level.TRACE_INT -> "<7>";
            default -> event.getLevel().toString();
        };
    }
}
