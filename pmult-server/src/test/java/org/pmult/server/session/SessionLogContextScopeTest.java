package org.pmult.server.session;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.milter.client.LogContext.Scope;
import org.slf4j.MDC;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link SessionLogContext#enter()} puts the session id and Message-ID in the MDC, whatever was there,
 * and its scope puts back exactly what was there before, keys another piece of code set included.
 */
class SessionLogContextScopeTest {

    private static final String MESSAGE_ID = "<scope@example.org>";

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    private static Map<String, String> mdc() {
        Map<String, String> map = MDC.getCopyOfContextMap();
        return map == null ? Map.of() : new HashMap<>(map);
    }

    @Test
    void enteringAnEmptyMdcPutsTheSessionAndTheScopeRemovesIt() {
        SessionLogContext context = new SessionLogContext("S1");
        try (Scope ignored = context.enter()) {
            assertEquals(Map.of(SessionLogContext.SESSION, "S1"), mdc());
        }
        assertEquals(Map.of(), mdc());
    }

    @Test
    void enteringAnEmptyMdcPutsBothOnceTheMessageIdIsKnownAndTheScopeRemovesBoth() {
        SessionLogContext context = new SessionLogContext("S1");
        context.messageId(MESSAGE_ID);
        try (Scope ignored = context.enter()) {
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID), mdc());
        }
        assertEquals(Map.of(), mdc());
    }

    @Test
    void nestedEntryOfTheSameSessionChangesNothingAndTheOuterScopeStillRestores() {
        SessionLogContext context = new SessionLogContext("S1");
        context.messageId(MESSAGE_ID);
        MDC.put("other", "kept");
        try (Scope outer = context.enter()) {
            Scope inner = context.enter();
            assertSame(Scope.EMPTY, inner, "both keys already in place");
            inner.close();
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID, "other", "kept"),
                    mdc(), "closing the nested scope keeps the outer one's keys");
        }
        assertEquals(Map.of("other", "kept"), mdc());
    }

    @Test
    void nestedEntryOfTheSameSessionWithAnEqualButNotIdenticalIdChangesNothing() {
        SessionLogContext outer = new SessionLogContext("S1");
        SessionLogContext copy = new SessionLogContext(new String("S1".toCharArray()));
        try (Scope ignored = outer.enter()) {
            assertSame(Scope.EMPTY, copy.enter());
        }
        assertEquals(Map.of(), mdc());
    }

    @Test
    void nestedEntryOfAnotherSessionPutsItsKeysAndRestoresTheFirstSessions() {
        SessionLogContext first = new SessionLogContext("S1");
        first.messageId(MESSAGE_ID);
        SessionLogContext second = new SessionLogContext("S2");
        try (Scope outer = first.enter()) {
            try (Scope inner = second.enter()) {
                assertEquals(Map.of(SessionLogContext.SESSION, "S2"), mdc(), "S1's Message-ID is not S2's");
            }
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID), mdc());
            second.messageId("<other@example.org>");
            try (Scope inner = second.enter()) {
                assertEquals(Map.of(SessionLogContext.SESSION, "S2", SessionLogContext.MSGID, "<other@example.org>"), mdc());
            }
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID), mdc());
        }
        assertEquals(Map.of(), mdc());
    }

    @Test
    void theSameSessionWithANewMessageIdChangesOnlyTheMessageIdAndRestoresTheOldOne() {
        MDC.put(SessionLogContext.SESSION, "S1");
        MDC.put(SessionLogContext.MSGID, "<old@example.org>");
        SessionLogContext context = new SessionLogContext("S1");
        setMessageIdWithoutTouchingTheMdc(context, MESSAGE_ID);
        try (Scope ignored = context.enter()) {
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID), mdc());
        }
        assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, "<old@example.org>"), mdc());
    }

    @Test
    void anEntryWithoutMessageIdRemovesAnotherSessionsAndPutsItBack() {
        MDC.put(SessionLogContext.SESSION, "S9");
        MDC.put(SessionLogContext.MSGID, "<s9@example.org>");
        try (Scope ignored = new SessionLogContext("S1").enter()) {
            assertEquals(Map.of(SessionLogContext.SESSION, "S1"), mdc());
        }
        assertEquals(Map.of(SessionLogContext.SESSION, "S9", SessionLogContext.MSGID, "<s9@example.org>"), mdc());
    }

    @Test
    void aMessageIdLearntInsideTheScopeIsOnLaterLinesAndGoneAfterIt() {
        SessionLogContext context = new SessionLogContext("S1");
        try (Scope ignored = context.enter()) {
            context.messageId(MESSAGE_ID);
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID), mdc());
        }
        assertEquals(Map.of(), mdc());
        try (Scope ignored = context.enter()) {
            assertEquals(Map.of(SessionLogContext.SESSION, "S1", SessionLogContext.MSGID, MESSAGE_ID), mdc());
            context.messageId(null); // the transaction ended
            assertEquals(Map.of(SessionLogContext.SESSION, "S1"), mdc());
        }
        assertEquals(Map.of(), mdc());
    }

    /** Sets the Message-ID while the MDC holds another session, so that {@link SessionLogContext#messageId(String)} puts nothing. */
    private static void setMessageIdWithoutTouchingTheMdc(SessionLogContext context, String messageId) {
        String session = MDC.get(SessionLogContext.SESSION);
        String previous = MDC.get(SessionLogContext.MSGID);
        MDC.put(SessionLogContext.SESSION, "elsewhere");
        context.messageId(messageId);
        MDC.put(SessionLogContext.SESSION, session);
        MDC.put(SessionLogContext.MSGID, previous);
    }
}
