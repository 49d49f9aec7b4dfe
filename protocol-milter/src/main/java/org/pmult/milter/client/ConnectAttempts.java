package org.pmult.milter.client;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The connection attempts of one session, all within its connect timeout: each waits for a permit
 * from the {@link ConnectGate}, a transient failure is tried again after a jittered
 * {@link ConnectBackoff} wait, and the session gives up when the time is spent, the gate refuses
 * (the filter is down) or a failure is not transient. Touched only on the session's event loop.
 */
final class ConnectAttempts {

    /** What the session does when an attempt may start, or when there will be none. */
    interface Target {
        /** Connect now; the connect itself may take at most {@code remaining}. */
        void attempt(Duration remaining);

        /** No further attempt: fail the session. */
        void giveUp(MilterFailure.Kind kind, String message);
    }

    private final EventLoop loop;
    private final MilterClientSettings settings;
    private final Target target;
    private final long deadlineNanos;
    private int failures;
    private String lastFailure;
    private ConnectGate.Permit permit;
    private Future<ConnectGate.Permit> waiting;
    private ScheduledFuture<?> timer;
    private boolean finished;

    ConnectAttempts(EventLoop loop, MilterClientSettings settings, Target target) {
        this.loop = loop;
        this.settings = settings;
        this.target = target;
        this.deadlineNanos = System.nanoTime() + settings.connectTimeout().toNanos();
    }

    /**
     * Whether a failed connect is worth another try: the filter's backlog was full (EAGAIN), nobody
     * listened (refused, or the unix socket file is missing while the filter restarts), or the
     * connection broke. Not: the connect timed out (the time is spent) or permission was denied.
     */
    static boolean isTransient(Throwable cause) {
        if (cause instanceof ConnectTimeoutException || !(cause instanceof IOException)) {
            return false;
        }
        String message = cause.getMessage();
        return message == null || !message.contains("Permission denied");
    }

    /** Starts the first attempt once the gate admits it. */
    void begin() {
        admit();
    }

    /** Failures so far (each attempt that ended without a negotiation). */
    int failures() {
        return failures;
    }

    /**
     * The current attempt failed. Returns null when another attempt is scheduled (the failure was
     * transient and time remains), else what to fail the session with: {@code message} itself, or,
     * when the connect timeout is spent, that with the count of attempts.
     */
    String failed(String message, boolean isTransient) {
        releasePermit();
        failures++;
        lastFailure = message;
        if (finished || !isTransient || !settings.connectBackoff().retries()) {
            finished = true;
            return message;
        }
        long remaining = remainingNanos();
        if (remaining <= 0) {
            finished = true;
            return timeSpent();
        }
        long delay = settings.connectBackoff().delay(failures, ThreadLocalRandom.current()).toNanos();
        timer = delay >= remaining ? schedule(this::expire, remaining) : schedule(this::admit, delay);
        return null;
    }

    /** The negotiation succeeded: the permit goes back. */
    void succeeded() {
        finish();
    }

    /** The session closed or failed otherwise: stop waiting and give the permit back. */
    void cancel() {
        finish();
    }

    private void admit() {
        timer = null;
        if (finished) {
            return;
        }
        long remaining = remainingNanos();
        if (remaining <= 0) {
            expire();
            return;
        }
        Future<ConnectGate.Permit> admission = settings.connectGate().acquire(loop);
        if (admission.isDone()) {
            admitted(admission);
            return;
        }
        waiting = admission;
        timer = schedule(this::expire, remaining);
        admission.addListener(done -> admitted(admission));
    }

    private void admitted(Future<ConnectGate.Permit> admission) {
        if (admission.isCancelled()) {
            return;
        }
        if (finished || admission != waiting && waiting != null) {
            if (admission.isSuccess()) {
                admission.getNow().release();
            }
            return;
        }
        waiting = null;
        cancelTimer();
        if (!admission.isSuccess()) {
            finished = true;
            target.giveUp(MilterFailure.Kind.CONNECT, describe(admission.cause()));
            return;
        }
        permit = admission.getNow();
        long remaining = remainingNanos();
        if (remaining <= 0) {
            expire();
            return;
        }
        target.attempt(Duration.ofNanos(remaining));
    }

    private void expire() {
        timer = null;
        if (finished) {
            return;
        }
        finished = true;
        if (waiting != null) {
            waiting.cancel(false);
            waiting = null;
        }
        releasePermit();
        target.giveUp(MilterFailure.Kind.CONNECT, timeSpent());
    }

    private String timeSpent() {
        String spent = "could not connect within " + LogText.format(settings.connectTimeout());
        return failures == 0
                ? spent + " (waiting for a connection attempt to the filter to end)"
                : spent + " (" + failures + (failures == 1 ? " attempt: " : " attempts; last: ") + lastFailure + ")";
    }

    private void finish() {
        finished = true;
        cancelTimer();
        if (waiting != null) {
            waiting.cancel(false);
            waiting = null;
        }
        releasePermit();
    }

    private void releasePermit() {
        ConnectGate.Permit held = permit;
        permit = null;
        if (held != null) {
            held.release();
        }
    }

    private long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }
}
