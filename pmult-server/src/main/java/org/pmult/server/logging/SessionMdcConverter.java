package org.pmult.server.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

import java.util.Map;

/**
 * {@code %pmultMdc}: {@code " session=S msgid=M"}, each field only when its MDC key is set and not empty,
 * nothing when neither is. The keys are those of {@code org.pmult.server.session.SessionLogContext}.
 */
public final class SessionMdcConverter extends ClassicConverter {

    private static final String SESSION = "session";
    private static final String MSGID = "msgid";

    @Override
    public String convert(ILoggingEvent event) {
        StringBuilder out = new StringBuilder();
        append(out, event);
        return out.toString();
    }

    private static void append(StringBuilder out, ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc == null || mdc.isEmpty()) {
            return;
        }
        field(out, " session=", mdc.get(SESSION));
        field(out, " msgid=", mdc.get(MSGID));
    }

    private static void field(StringBuilder out, String name, String value) {
        if (value != null && !value.isEmpty()) {
            out.append(name).append(value);
        }
    }
}
