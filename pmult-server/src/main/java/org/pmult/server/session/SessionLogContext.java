package org.pmult.server.session;

import org.pmult.milter.client.LogContext;
import org.pmult.pmilter.server.PmilterServerHandler;
import org.slf4j.MDC;

import java.util.Objects;

/**
 * What every log line about one MeTA1 SMTP session carries in SLF4J's MDC: {@value #SESSION} (MeTA1's
 * session id) and, once the message's Message-ID header was seen, {@value #MSGID}. One instance per
 * session, shared by the session and the Milter connections serving it; entered around each piece of
 * the session's work (see {@link LogContext}). Touched on the session's event loop only.
 */
public final class SessionLogContext implements LogContext {

    /** MDC key of MeTA1's session id. */
    public static final String SESSION = PmilterServerHandler.MDC_SESSION;
    /** MDC key of the current message's Message-ID, once known. */
    public static final String MSGID = "msgid";

    /** Closes an entry that found neither key (the Message-ID may have been learnt inside). */
    private static final Scope REMOVE_BOTH = () -> {
        MDC.remove(SESSION);
        MDC.remove(MSGID);
    };

    private final String seid;
    private String messageId;

    public SessionLogContext(String seid) {
        this.seid = Objects.requireNonNull(seid, "seid");
    }

    public String seid() {
        return seid;
    }

    /** The current message's Message-ID, or {@code null} (none yet, or between transactions). */
    public String messageId() {
        return messageId;
    }

    /** Sets the Message-ID of the current message; {@code null} when the transaction ends. */
    public void messageId(String messageId) {
        this.messageId = messageId;
        if (seid.equals(MDC.get(SESSION))) {
            put(MSGID, messageId); // lines later in the work that learnt it carry it too
        }
    }

    /**
     * Puts the keys that are not in place yet and returns a scope that restores what was there before.
     * The usual cases cost no allocation: work nested in the session's own finds both keys in place and
     * changes nothing; work entered on an event loop between events finds the MDC without either key,
     * and its scope removes both. Strings are compared by identity first: the MDC holds the very
     * strings this context put.
     */
    @Override
    public Scope enter() {
        String previousSession = MDC.get(SESSION);
        String previousMessageId = MDC.get(MSGID);
        String id = messageId;
        boolean sessionInPlace = seid == previousSession || seid.equals(previousSession);
        boolean messageIdInPlace = id == previousMessageId || (id != null && id.equals(previousMessageId));
        if (sessionInPlace && messageIdInPlace) {
            return Scope.EMPTY; // already in place: the usual case for work nested in the session's own
        }
        if (!sessionInPlace) {
            MDC.put(SESSION, seid);
        }
        if (!messageIdInPlace) {
            put(MSGID, id);
        }
        if (previousSession == null && previousMessageId == null) {
            return REMOVE_BOTH; // nothing to put back: the usual first entry
        }
        if (sessionInPlace) {
            return () -> put(MSGID, previousMessageId);
        }
        return () -> {
            put(SESSION, previousSession);
            put(MSGID, previousMessageId); // also when equal at entry: the Message-ID may have been learnt inside
        };
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public String toString() {
        return "session " + seid + (messageId == null ? "" : " msgid " + messageId);
    }
}
