package org.pmult.server.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.util.Iterator;

/**
 * How log lines are written ({@code --log-format}): {@link #TEXT} as logback's configuration says
 * (pattern lines), or {@link #JSON}, one JSON object per line for log shippers, written by logback's
 * own {@link JsonEncoder}: timestamp (epoch milliseconds), level, thread, logger, the MDC (session,
 * msgid), the formatted message and any exception. Levels, the queue and the destinations stay as
 * configured; only the encoders of the output appenders change.
 */
public enum LogFormat {
    TEXT,
    JSON;

    /** Applies this format to pmult's logging; a no-op for TEXT or when the backend is not logback. */
    public void apply() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            apply(context);
        }
    }

    /** Applies this format to every output appender reachable from {@code context}'s root logger. */
    void apply(LoggerContext context) {
        if (this == JSON) {
            useJson(context, context.getLogger(Logger.ROOT_LOGGER_NAME));
        }
    }

    private static void useJson(LoggerContext context, AppenderAttachable<ILoggingEvent> attachable) {
        for (Iterator<Appender<ILoggingEvent>> it = attachable.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> appender = it.next();
            if (appender instanceof OutputStreamAppender<ILoggingEvent> output) {
                output.stop();
                output.setEncoder(jsonEncoder(context));
                output.start();
            } else if (appender instanceof AppenderAttachable<?>) {
                @SuppressWarnings("unchecked")
                AppenderAttachable<ILoggingEvent> nested = (AppenderAttachable<ILoggingEvent>) appender;
                useJson(context, nested); // e.g. the AsyncAppender in front of stdout
            }
        }
    }

    private static JsonEncoder jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithMessage(false); // the template; the formatted message is what a reader wants
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.setWithMDC(true);
        encoder.setWithThrowable(true);
        encoder.start();
        return encoder;
    }
}
