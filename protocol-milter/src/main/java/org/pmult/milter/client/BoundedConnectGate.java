package org.pmult.milter.client;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link ConnectGate} that lets at most {@code limit} attempts be in flight at once, across every
 * event loop; the others wait in arrival order. Sized to the filter's listen backlog, it keeps pmult
 * from overflowing that backlog on its own (a full unix-socket backlog refuses a non-blocking connect
 * with EAGAIN, where Sendmail's and Postfix's blocking connect would simply wait). {@link #shut} fails
 * every waiter and every later request until {@link #open}. Thread-safe.
 */
public final class BoundedConnectGate implements ConnectGate {

    private final int limit;
    // guarded by this
    private final ArrayDeque<Promise<Permit>> waiting = new ArrayDeque<>();
    private int inFlight;
    private String shutReason;

    public BoundedConnectGate(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        this.limit = limit;
    }

    @Override
    public Future<Permit> acquire(EventLoop loop) {
        Promise<Permit> promise;
        synchronized (this) {
            if (shutReason != null) {
                return loop.newFailedFuture(refusal(shutReason));
            }
            if (inFlight < limit) {
                inFlight++;
                return loop.newSucceededFuture(newPermit());
            }
            promise = loop.newPromise();
            waiting.add(promise);
        }
        promise.addListener(done -> {
            if (done.isCancelled()) {
                synchronized (this) {
                    waiting.remove(promise);
                }
            }
        });
        return promise;
    }

    /** Refuses every waiting and later attempt, saying why, until {@link #open}. */
    public void shut(String reason) {
        Promise<?>[] refused;
        synchronized (this) {
            shutReason = reason;
            refused = waiting.toArray(new Promise<?>[0]);
            waiting.clear();
        }
        for (Promise<?> promise : refused) {
            promise.tryFailure(refusal(reason));
        }
    }

    /** Admits attempts again. */
    public synchronized void open() {
        shutReason = null;
    }

    /** Attempts holding a permit now (for tests and diagnostics). */
    public synchronized int inFlight() {
        return inFlight;
    }

    /** Attempts waiting for a permit now (for tests and diagnostics). */
    public synchronized int waiting() {
        return waiting.size();
    }

    public int limit() {
        return limit;
    }

    private Permit newPermit() {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                handOver();
            }
        };
    }

    /** A permit came back: the longest waiter still waiting gets it, else it is returned. */
    private void handOver() {
        while (true) {
            Promise<Permit> next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    inFlight--;
                    return;
                }
            }
            if (next.trySuccess(newPermit())) {
                return;
            }
            // that waiter gave up meanwhile (cancelled): try the next one
        }
    }

    private static MilterClientException refusal(String reason) {
        return new MilterClientException(new MilterFailure(MilterFailure.Kind.CONNECT, MilterStage.NEGOTIATE,
                "not connecting: " + reason));
    }
}
