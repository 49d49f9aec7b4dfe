package org.pmult.sim.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's CPU time from Linux's {@code /proc/stat}, for the share the hypervisor took away
 * ("steal"): on a virtual machine whose host is busy, a run can lose half its CPU without any
 * process showing it, and its throughput then says nothing about pmult. A report carries the share,
 * so such runs can be told apart. Elsewhere the sample is {@code null}. Blocking file read: call
 * from the generator's main thread, never an event loop.
 */
final class MachineCpu {

    /** The counters of the aggregate {@code cpu} line, in ticks. */
    record Sample(long totalTicks, long stealTicks) {
    }

    private MachineCpu() {
    }

    static Sample read() {
        try {
            return parse(Files.readString(Path.of("/proc/stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The first line, {@code cpu user nice system idle iowait irq softirq steal guest guest_nice}:
     * the total is the first eight (guest time is already counted in user), steal the eighth.
     */
    static Sample parse(String procStat) {
        int end = procStat.indexOf('\n');
        String first = end < 0 ? procStat : procStat.substring(0, end);
        String[] fields = first.trim().split(" +");
        if (!fields[0].equals("cpu") || fields.length < 9) {
            throw new IllegalArgumentException("not the aggregate cpu line of /proc/stat: " + first);
        }
        long total = 0;
        for (int i = 1; i <= 8; i++) {
            total += Long.parseLong(fields[i]);
        }
        return new Sample(total, Long.parseLong(fields[8]));
    }

    /** Percent of the machine's CPU time stolen between the samples; null if either is missing or no time passed. */
    static Double stealPercent(Sample before, Sample after) {
        if (before == null || after == null || after.totalTicks() <= before.totalTicks()) {
            return null;
        }
        return 100.0 * (after.stealTicks() - before.stealTicks()) / (after.totalTicks() - before.totalTicks());
    }
}
