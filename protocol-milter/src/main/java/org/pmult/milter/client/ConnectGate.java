package org.pmult.milter.client;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Admits connection attempts to one filter. pmult bounds how many connections to a filter may be
 * connecting or negotiating at once ({@link BoundedConnectGate}), so it never fills the filter's
 * listen backlog by itself, and shuts the gate while the filter is down so waiting sessions get their
 * default action at once. A session holds the permit from the start of an attempt until the option
 * negotiation has an outcome.
 */
public interface ConnectGate {

    /** Admits every attempt at once. */
    ConnectGate UNLIMITED = loop -> loop.newSucceededFuture(() -> { });

    /**
     * A permit for one attempt, completed on {@code loop} once the attempt may start; failed with a
     * {@link MilterClientException} when the gate refuses (the filter is down). Cancel the future to
     * stop waiting.
     */
    Future<Permit> acquire(EventLoop loop);

    /** The right to one attempt in flight; release it exactly once, when the attempt has an outcome. */
    @FunctionalInterface
    interface Permit {
        void release();
    }
}
