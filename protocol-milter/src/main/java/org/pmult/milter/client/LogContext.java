package org.pmult.milter.client;

/**
 * Whom a Milter connection works for, as its log lines show it: while the session handles one of
 * its events (a reply, a timeout, a write completing, the connection closing), the context's keys
 * are in SLF4J's MDC. Event loops serve many connections, so the keys are put in place around each
 * event and the previous values restored after it, never left behind.
 */
@FunctionalInterface
public interface LogContext {

    /** No context: the connection is idle, or nobody said whom it serves. */
    LogContext NONE = () -> Scope.EMPTY;

    /** Puts this context's keys into the MDC; closing the scope puts back what was there before. */
    Scope enter();

    /** What {@link #enter()} changed, undone by {@link #close()}; close exactly once, on the same thread. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {

        /** A scope that changed nothing. */
        Scope EMPTY = () -> { };

        @Override
        void close();
    }
}
