package org.pmult.milter.client;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The stage calls of one connection in their order, at most one in flight: a call waits until the
 * one before it was answered. Completing a step runs caller code that may submit the next, so
 * draining is guarded against re-entry. Touched only on the session's event loop.
 */
final class MilterStepQueue {

    private final ArrayDeque<MilterStep> waiting = new ArrayDeque<>();
    /** The step whose command is being written or answered; null when idle. */
    private MilterStep inFlight;
    private boolean draining;

    void add(MilterStep step) {
        waiting.add(step);
    }

    /** The step in flight, or null. */
    MilterStep inFlight() {
        return inFlight;
    }

    /** Whether nothing is in flight and nothing waits. */
    boolean isIdle() {
        return inFlight == null && waiting.isEmpty();
    }

    /** {@code step}'s command goes out now. */
    void fly(MilterStep step) {
        inFlight = step;
    }

    /** The step in flight ended (answered, failed or abandoned); returns it, or null if none was. */
    MilterStep land() {
        MilterStep step = inFlight;
        inFlight = null;
        return step;
    }

    /** Whether {@link #drain} is running (a step's caller is submitting from its answer). */
    boolean draining() {
        return draining;
    }

    /** Hands waiting steps to {@code start}, in order, while none is in flight and {@code ready} holds. */
    void drain(BooleanSupplier ready, Consumer<MilterStep> start) {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (inFlight == null && ready.getAsBoolean()) {
                MilterStep step = waiting.poll();
                if (step == null) {
                    break;
                }
                start.accept(step);
            }
        } finally {
            draining = false;
        }
    }
}
