package org.pmult.server.session;

import io.netty.util.concurrent.EventExecutor;
import org.pmult.milter.client.LogContext;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Runs one step on a session's legs one after another in client order, as Sendmail's and Postfix's
 * Milter clients do: a leg is asked only after every earlier leg that was asked continued or
 * accepted, so a command refused by one milter never reaches the later ones. The walk stops at the
 * first verdict that {@linkplain LegVerdict#decides() decides}. Every continuation runs on the
 * session's event loop, inside the session's log context.
 */
final class LegSeries {

    /** Hears about a leg that failed instead of answering (a bug in the leg). */
    interface FailureListener {
        void legFailed(int leg, Throwable error);
    }

    /** What a leg that failed instead of answering counts as: a failed milter that continues. */
    static final LegVerdict FAILED_LEG = new LegVerdict(LegVerdict.Kind.CONTINUE, null, List.of(), true);

    private final int legs;
    private final IntPredicate consulted;
    private final IntFunction<CompletionStage<LegVerdict>> call;
    private final EventExecutor eventLoop;
    private final LogContext logContext;
    private final FailureListener failures;
    private final LegVerdict[] verdicts;
    private final CompletableFuture<LegVerdict[]> done = new CompletableFuture<>();

    private LegSeries(int legs, IntPredicate consulted, IntFunction<CompletionStage<LegVerdict>> call,
                      EventExecutor eventLoop, LogContext logContext, FailureListener failures) {
        this.legs = legs;
        this.consulted = consulted;
        this.call = call;
        this.eventLoop = eventLoop;
        this.logContext = logContext;
        this.failures = failures;
        this.verdicts = new LegVerdict[legs];
    }

    /**
     * Asks the consulted legs in order; completes with one verdict per leg (null for a leg not asked).
     *
     * @param consulted which legs take part in this step at all
     * @param call      sends the step to leg {@code i}; its answer never fails unless the leg has a bug
     */
    static CompletionStage<LegVerdict[]> run(int legs, IntPredicate consulted, IntFunction<CompletionStage<LegVerdict>> call,
                                            EventExecutor eventLoop, LogContext logContext, FailureListener failures) {
        LegSeries series = new LegSeries(legs, consulted, call, eventLoop, logContext, failures);
        series.askFrom(0);
        return series.done;
    }

    /** Asks legs from {@code first} on; answers already at hand are taken in this loop, not by recursion. */
    private void askFrom(int first) {
        for (int i = first; i < legs; i++) {
            if (!consulted.test(i)) {
                continue;
            }
            CompletableFuture<LegVerdict> answer = ask(i);
            if (answer.isDone() && eventLoop.inEventLoop()) {
                if (record(i, answer)) {
                    return;
                }
                continue;
            }
            int leg = i;
            answer.whenComplete((verdict, error) -> onLoop(() -> {
                if (!record(leg, answer)) {
                    askFrom(leg + 1);
                }
            }));
            return;
        }
        done.complete(verdicts);
    }

    private CompletableFuture<LegVerdict> ask(int leg) {
        try {
            return call.apply(leg).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Notes leg {@code leg}'s answer; true (and the series completed) when it decides the step. */
    private boolean record(int leg, CompletableFuture<LegVerdict> answer) {
        LegVerdict verdict = answer.handle((value, error) -> {
            if (error != null) {
                failures.legFailed(leg, error);
                return FAILED_LEG;
            }
            return value;
        }).join();
        verdicts[leg] = verdict;
        if (verdict.decides()) {
            done.complete(verdicts);
            return true;
        }
        return false;
    }

    /** Runs {@code task} on the event loop in the session's log context (Netty may call back outside it). */
    private void onLoop(Runnable task) {
        Runnable scoped = () -> {
            try (LogContext.Scope entered = logContext.enter()) {
                task.run();
            }
        };
        if (eventLoop.inEventLoop()) {
            scoped.run();
        } else {
            eventLoop.execute(scoped);
        }
    }
}
