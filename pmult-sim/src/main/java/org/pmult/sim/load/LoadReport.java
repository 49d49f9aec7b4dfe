package org.pmult.sim.load;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one load run measured: transactions completed in the measuring window (throughput), their
 * latency distribution (from the first command to the end-of-message reply), errors by kind, and, on
 * Linux, what each watched process spent.
 *
 * @param options   the run
 * @param window    how long the measuring window actually lasted
 * @param latency   latencies of the transactions that succeeded in the window, in nanoseconds
 * @param errors    transactions that ended in the window with something other than CONTINUE, by kind
 * @param started   transactions started over the whole run (warm-up and drain included)
 * @param unfinished transactions still running when the run gave up waiting for them
 * @param processes per watched process: CPU ticks spent in the window, threads and resident KiB at its end
 * @param stealPercent the share of the machine's CPU time the hypervisor took during the window
 *                  (Linux {@code /proc/stat}), or null where unknown
 */
public record LoadReport(LoadOptions options, Duration window, Histogram latency, Map<String, Long> errors,
        long started, long unfinished, Map<String, ProcessWatch.Sample> processes, Double stealPercent) {

    /** Percentiles printed and put in the result line. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9};

    public LoadReport {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(latency, "latency");
        errors = Map.copyOf(errors);
        processes = new LinkedHashMap<>(processes);
    }

    /** Successful transactions in the window. */
    public long measured() {
        return latency.getTotalCount();
    }

    public long errorCount() {
        long sum = 0;
        for (long count : errors.values()) {
            sum += count;
        }
        return sum;
    }

    /** Successful transactions per second of the window. */
    public double throughput() {
        double seconds = window.toNanos() / 1e9;
        return seconds <= 0 ? 0 : measured() / seconds;
    }

    /** The latency at {@code percentile} (0..100) in microseconds; 0 when nothing was measured. */
    public double latencyMicros(double percentile) {
        return measured() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000.0;
    }

    public double maxLatencyMicros() {
        return measured() == 0 ? 0 : latency.getMaxValue() / 1000.0;
    }

    public double meanLatencyMicros() {
        return measured() == 0 ? 0 : latency.getMean() / 1000.0;
    }

    /** CPU microseconds a process spent per successful transaction in the window, or -1 if unknown. */
    public double cpuMicrosPerTransaction(String process) {
        ProcessWatch.Sample sample = processes.get(process);
        if (sample == null || measured() == 0) {
            return -1;
        }
        return sample.cpuTicks() * (1e6 / ProcessWatch.TICKS_PER_SECOND) / measured();
    }

    /** Share of one core a process used during the window (100 = one core busy), or -1 if unknown. */
    public double cpuPercent(String process) {
        ProcessWatch.Sample sample = processes.get(process);
        if (sample == null || window.isZero()) {
            return -1;
        }
        return 100.0 * sample.cpuTicks() / ProcessWatch.TICKS_PER_SECOND / (window.toNanos() / 1e9);
    }

    /** The human-readable report. */
    public void print(PrintWriter out) {
        LoadTransaction tx = options.transaction();
        out.printf(Locale.ROOT, "%s: %d sessions%s, %d rcpt, %d-byte message; warm-up %.1f s, measured %.2f s%n",
                options.mode() == LoadMode.PMILTER ? "through pmilter (pmult)" : "direct Milter",
                options.sessions(),
                options.mode() == LoadMode.PMILTER ? " over " + options.connections() + " connection(s)" : "",
                tx.recipients(), tx.message().size(), options.warmup().toMillis() / 1000.0, window.toNanos() / 1e9);
        out.printf(Locale.ROOT, "transactions: %d ok (%.1f/s), %d errors, %d started in all%s%n", measured(),
                throughput(), errorCount(), started, unfinished == 0 ? "" : ", " + unfinished + " unfinished at the end");
        new TreeMap<>(errors).forEach((kind, count) -> out.printf(Locale.ROOT, "  error %-50s %d%n", kind, count));
        StringBuilder line = new StringBuilder("latency (us):");
        for (double p : PERCENTILES) {
            line.append(String.format(Locale.ROOT, " p%s %.0f", percentileName(p), latencyMicros(p)));
        }
        line.append(String.format(Locale.ROOT, " max %.0f mean %.0f", maxLatencyMicros(), meanLatencyMicros()));
        out.println(line);
        if (!processes.isEmpty()) {
            out.printf(Locale.ROOT, "%-12s %8s %12s %8s %9s%n", "process", "cpu %", "cpu us/tx", "threads", "rss MiB");
            processes.forEach((name, sample) -> {
                if (sample == null) {
                    out.printf(Locale.ROOT, "%-12s (not readable)%n", name);
                } else {
                    out.printf(Locale.ROOT, "%-12s %8.1f %12.1f %8d %9.1f%n", name, cpuPercent(name),
                            cpuMicrosPerTransaction(name), sample.threads(), sample.rssKib() / 1024.0);
                }
            });
        }
        if (stealPercent != null) {
            out.printf(Locale.ROOT, "machine: %.1f %% of its CPU time taken by the hypervisor (steal)%n", stealPercent);
        }
        out.flush();
    }

    /**
     * One line of {@code key=value} pairs for scripts: {@code result mode=pmilter sessions=100 ... tps=812.4
     * p50_us=... errors=0 cpu_us_per_tx.pmult=... threads.pmult=...}.
     */
    public String resultLine() {
        StringBuilder line = new StringBuilder("result");
        append(line, "mode", options.mode().word());
        append(line, "sessions", options.sessions());
        append(line, "connections", options.connections());
        append(line, "rcpts", options.transaction().recipients());
        append(line, "size", options.transaction().message().size());
        append(line, "window_s", String.format(Locale.ROOT, "%.3f", window.toNanos() / 1e9));
        append(line, "ok", measured());
        append(line, "errors", errorCount());
        append(line, "unfinished", unfinished);
        append(line, "tps", String.format(Locale.ROOT, "%.1f", throughput()));
        for (double p : PERCENTILES) {
            append(line, "p" + percentileName(p) + "_us", String.format(Locale.ROOT, "%.0f", latencyMicros(p)));
        }
        append(line, "max_us", String.format(Locale.ROOT, "%.0f", maxLatencyMicros()));
        append(line, "mean_us", String.format(Locale.ROOT, "%.0f", meanLatencyMicros()));
        processes.forEach((name, sample) -> {
            if (sample != null) {
                append(line, "cpu_us_per_tx." + name, String.format(Locale.ROOT, "%.1f", cpuMicrosPerTransaction(name)));
                append(line, "cpu_pct." + name, String.format(Locale.ROOT, "%.1f", cpuPercent(name)));
                append(line, "threads." + name, sample.threads());
                append(line, "rss_mib." + name, String.format(Locale.ROOT, "%.1f", sample.rssKib() / 1024.0));
            }
        });
        if (stealPercent != null) {
            append(line, "steal_pct", String.format(Locale.ROOT, "%.1f", stealPercent));
        }
        return line.toString();
    }

    /** A percentile as keys and columns name it: {@code 50}, {@code 99}, {@code 99.9}. */
    static String percentileName(double percentile) {
        return percentile == Math.rint(percentile) ? Long.toString((long) percentile)
                : Double.toString(percentile);
    }

    private static void append(StringBuilder line, String key, Object value) {
        line.append(' ').append(key).append('=').append(value);
    }
}
