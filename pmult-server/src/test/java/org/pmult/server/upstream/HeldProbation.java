package org.pmult.server.upstream;

import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.List;

/**
 * A reuse probation that lasts until the test ends it, so what happens while a kept connection is
 * on probation does not depend on how fast a loaded machine runs the sessions of a test.
 */
final class HeldProbation implements MilterConnectionPool.ProbationTimer {

    private final List<Waiting> waiting = new ArrayList<>();

    @Override
    public synchronized void start(EventLoop loop, Runnable judge) {
        waiting.add(new Waiting(loop, judge));
    }

    /** Kept connections whose probation has started and not been ended. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** Ends every probation started so far: each connection is judged on its event loop. */
    synchronized void end() {
        for (Waiting entry : waiting) {
            entry.loop.execute(entry.judge);
        }
        waiting.clear();
    }

    private record Waiting(EventLoop loop, Runnable judge) {
    }
}
