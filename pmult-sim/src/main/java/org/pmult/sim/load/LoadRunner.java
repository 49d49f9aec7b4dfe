package org.pmult.sim.load;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A closed loop of {@code sessions} slots: each slot runs one transaction after the other until the
 * run ends, so exactly that many sessions are in flight once all have started (they start spread over
 * the ramp-up). Timeline: warm-up (not counted), the measuring window ({@code duration}, or until
 * {@code transactions} have ended, successfully or not), then no new transactions and a bounded wait for those in flight.
 *
 * <p>Slots run on the generator's event loops through the driver's futures; no thread per session.
 * {@link #run} itself blocks the calling thread (the command's main thread), which also reads the
 * process statistics at the window's edges.
 */
final class LoadRunner {

    /** Where the run stands; a transaction's result counts only if it ends in {@link #MEASURING}. */
    private enum Phase {
        WARMING_UP,
        MEASURING,
        DRAINING
    }

    /** Histogram range: 1 µs .. 1 hour, 3 significant digits. */
    private static final long LOWEST_NANOS = 1_000;
    private static final long HIGHEST_NANOS = TimeUnit.HOURS.toNanos(1);

    private final LoadOptions options;
    private final TransactionDriver driver;
    private final EventLoopGroup loops;
    private final ProcessWatch watch;
    private final AtomicLong sequence = new AtomicLong();
    private final CountDownLatch windowClosed = new CountDownLatch(1);
    private final CountDownLatch slotsStopped;

    // Guarded by this.
    private Phase phase = Phase.WARMING_UP;
    private final Histogram latency = new Histogram(LOWEST_NANOS, HIGHEST_NANOS, 3);
    private final Map<String, Long> errors = new HashMap<>();
    private long errorCount;
    private long windowStartNanos;
    private long windowEndNanos;

    LoadRunner(LoadOptions options, TransactionDriver driver, EventLoopGroup loops, ProcessWatch watch) {
        this.options = options;
        this.driver = driver;
        this.loops = loops;
        this.watch = watch;
        this.slotsStopped = new CountDownLatch(options.sessions());
    }

    /** Runs the whole timeline; returns when every slot has stopped or the drain wait ran out. */
    LoadReport run() throws InterruptedException {
        long startNanos = System.nanoTime();
        long rampNanos = options.rampUp().toNanos();
        for (int slot = 0; slot < options.sessions(); slot++) {
            int s = slot;
            long delay = options.sessions() == 1 ? 0 : rampNanos * slot / (options.sessions() - 1);
            loops.next().schedule(() -> next(s), delay, TimeUnit.NANOSECONDS);
        }
        sleepUntil(startNanos + options.warmup().toNanos());

        Map<String, ProcessWatch.Sample> before = watch.sample();
        MachineCpu.Sample machineBefore = MachineCpu.read();
        synchronized (this) {
            phase = Phase.MEASURING;
            windowStartNanos = System.nanoTime();
        }
        windowClosed.await(options.duration().toNanos(), TimeUnit.NANOSECONDS);
        closeWindow();
        Map<String, ProcessWatch.Sample> after = watch.sample();
        MachineCpu.Sample machineAfter = MachineCpu.read();

        // Everything in flight gets the reply timeout, plus the time the failure rule may take to reconnect.
        Duration drain = options.timeout().multipliedBy(2).plusSeconds(5);
        slotsStopped.await(drain.toNanos(), TimeUnit.NANOSECONDS);
        synchronized (this) {
            return new LoadReport(options, Duration.ofNanos(windowEndNanos - windowStartNanos), latency.copy(),
                    errors, sequence.get(), slotsStopped.getCount(), usage(before, after),
                    MachineCpu.stealPercent(machineBefore, machineAfter));
        }
    }

    /** Starts the slot's next transaction, or stops the slot once the window has closed. */
    private void next(int slot) {
        synchronized (this) {
            if (phase == Phase.DRAINING) {
                slotsStopped.countDown();
                return;
            }
        }
        driver.run(slot, sequence.incrementAndGet()).whenComplete((outcome, bug) -> {
            finished(bug != null ? TransactionOutcome.failed("generator failure: " + bug) : outcome);
            // Hop through the event loop rather than recursing, in case the driver completed at once.
            loops.next().execute(() -> next(slot));
        });
    }

    private void finished(TransactionOutcome outcome) {
        boolean countReached = false;
        synchronized (this) {
            if (phase != Phase.MEASURING) {
                return;
            }
            if (outcome.succeeded()) {
                latency.recordValue(Math.max(LOWEST_NANOS, Math.min(HIGHEST_NANOS, outcome.waitedNanos())));
            } else {
                errors.merge(outcome.problem(), 1L, Long::sum);
                errorCount++;
            }
            countReached = options.byCount() && latency.getTotalCount() + errorCount >= options.transactions();
        }
        if (countReached) {
            closeWindow();
        }
    }

    private void closeWindow() {
        synchronized (this) {
            if (phase == Phase.MEASURING) {
                phase = Phase.DRAINING;
                windowEndNanos = System.nanoTime();
            }
        }
        windowClosed.countDown();
    }

    /** CPU ticks spent between the two readings; threads and memory as of the second. */
    private static Map<String, ProcessWatch.Sample> usage(Map<String, ProcessWatch.Sample> before,
            Map<String, ProcessWatch.Sample> after) {
        Map<String, ProcessWatch.Sample> usage = new LinkedHashMap<>();
        after.forEach((name, end) -> {
            ProcessWatch.Sample start = before.get(name);
            usage.put(name, start == null || end == null ? null
                    : new ProcessWatch.Sample(end.cpuTicks() - start.cpuTicks(), end.threads(), end.rssKib()));
        });
        return usage;
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
