package org.pmult.server.config.fuzz;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails a fuzz input that takes longer than a bound, so a hang (a loop that never ends, a read that
 * never returns) is reported with the input that caused it instead of stalling the build. In a
 * regression run each input runs on one reused worker thread and the caller waits at most the
 * bound; the worker's exceptions are rethrown unchanged. While Jazzer fuzzes ({@code JAZZER_FUZZ}
 * set) the input runs on the calling thread and libFuzzer's own per-input timeout ({@code -timeout},
 * given in the fuzzing command of docs/hardening.md) takes over: it stops the run and saves the
 * input as {@code timeout-*}, at a third less cost per input than the hand-over to a worker.
 */
final class Watchdog implements AutoCloseable {

    private final Duration limit;
    private final boolean fuzzing = System.getenv("JAZZER_FUZZ") != null && !System.getenv("JAZZER_FUZZ").isEmpty();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "fuzz-watchdog-worker");
        thread.setDaemon(true);
        return thread;
    });

    Watchdog(Duration limit) {
        this.limit = limit;
    }

    <T> T call(Callable<T> task, String what) throws Exception {
        if (fuzzing) {
            return task.call();
        }
        Future<T> result = worker.submit(task);
        try {
            return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new AssertionError(what + ": no result within " + limit.toSeconds() + " s (a hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new AssertionError(what + ": " + cause, cause);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
