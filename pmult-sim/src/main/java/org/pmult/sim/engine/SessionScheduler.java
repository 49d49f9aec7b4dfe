package org.pmult.sim.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;

/**
 * Runs a scenario's sessions, {@code repeat} times over, with at most {@code parallel} in flight (fewer
 * if the pmilter's MAXSESS says so), and collects their results in scenario order. Thread-safe; starts
 * sessions outside its lock.
 */
final class SessionScheduler {

    /** One session to play, with its SEID. */
    private record Job(SessionScript script, String seid) {
    }

    private final List<Job> jobs = new ArrayList<>();
    private final SessionResult[] results;
    private final RunOptions options;
    private final PolicyMilterLink link;
    private final BiFunction<SessionScript, String, CompletableFuture<SessionResult>> player;
    private final CompletableFuture<SimulationReport> report = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();

    private int nextJob;
    private int running;
    private int finished;

    SessionScheduler(Scenario scenario, RunOptions options, PolicyMilterLink link,
            BiFunction<SessionScript, String, CompletableFuture<SessionResult>> player) {
        this.options = options;
        this.link = link;
        this.player = player;
        for (int round = 1; round <= options.repeat(); round++) {
            for (SessionScript script : scenario.sessions()) {
                jobs.add(new Job(script, options.repeat() == 1 ? script.name() : script.name() + "." + round));
            }
        }
        this.results = new SessionResult[jobs.size()];
    }

    /**
     * Starts one session, whose CONNECT opens the connection, and the others once that attempt has
     * ended, so the pmilter's MAXSESS bounds them too; a failed attempt is the sessions' to handle.
     */
    CompletableFuture<SimulationReport> start() {
        startMore(1);
        link.latestAttempt().whenComplete((connection, error) -> startMore(Integer.MAX_VALUE));
        return report;
    }

    private void startMore(int atMost) {
        List<Integer> toStart = new ArrayList<>();
        synchronized (this) {
            int limit = Math.min(atMost, limit());
            while (running < limit && nextJob < jobs.size()) {
                toStart.add(nextJob++);
                running++;
            }
        }
        for (int index : toStart) {
            Job job = jobs.get(index);
            CompletableFuture<SessionResult> played;
            try {
                played = player.apply(job.script(), job.seid());
            } catch (RuntimeException e) {
                played = CompletableFuture.failedFuture(e);
            }
            played.whenComplete((result, error) -> finished(index, result, error));
        }
    }

    private void finished(int index, SessionResult result, Throwable error) {
        if (error != null) {
            report.completeExceptionally(error);
            return;
        }
        boolean all;
        synchronized (this) {
            results[index] = result;
            running--;
            finished++;
            all = finished == jobs.size();
        }
        if (all) {
            report.complete(new SimulationReport(Arrays.asList(results), Duration.ofNanos(System.nanoTime() - startNanos)));
        } else if (!report.isDone()) {
            startMore(Integer.MAX_VALUE);
        }
    }

    /** {@code parallel}, lowered to the pmilter's MAXSESS when that is set. */
    private int limit() {
        int maxSessions = link.negotiatedMaxSessions();
        return maxSessions == 0 ? options.parallel() : Math.min(options.parallel(), maxSessions);
    }
}
