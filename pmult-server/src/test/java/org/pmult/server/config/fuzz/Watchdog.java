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
 * Runs each fuzz input on one reused worker thread and fails it if it takes longer than a bound, so
 * a hang (a loop that never ends, a read that never returns) is reported with the input that caused
 * it instead of stalling the build. The worker's exceptions are rethrown unchanged.
 */
final class Watchdog implements AutoCloseable {

    private final Duration limit;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "fuzz-watchdog-worker");
        thread.setDaemon(true);
        return thread;
    });

    Watchdog(Duration limit) {
        this.limit = limit;
    }

    <T> T call(Callable<T> task, String what) {
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
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
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
