package org.pmult.sim.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CPU time, thread count and resident memory of processes from Linux's {@code /proc}, so a
 * load report can say what each process (generator, pmult, milter) spent per transaction and that
 * pmult's thread count does not grow with sessions. Elsewhere, or for a process that is gone, the
 * sample is {@code null}. Blocking file reads: call from the generator's main thread, never an event loop.
 */
final class ProcessWatch {

    /** Linux reports CPU time in USER_HZ ticks, 100 per second on every architecture Java runs on. */
    static final long TICKS_PER_SECOND = 100;

    /** One reading of one process. */
    record Sample(long cpuTicks, int threads, long rssKib) {
    }

    private final Map<String, Long> pids;

    /** @param pids name to process id, in report order */
    ProcessWatch(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
    }

    /** This JVM under the name {@code generator}, plus {@code others}. */
    static ProcessWatch withSelf(Map<String, Long> others) {
        Map<String, Long> all = new LinkedHashMap<>();
        all.put("generator", ProcessHandle.current().pid());
        all.putAll(others);
        return new ProcessWatch(all);
    }

    List<String> names() {
        return new ArrayList<>(pids.keySet());
    }

    /** A reading of every watched process, by name; {@code null} for one that cannot be read. */
    Map<String, Sample> sample() {
        Map<String, Sample> samples = new LinkedHashMap<>();
        pids.forEach((name, pid) -> samples.put(name, read(pid)));
        return samples;
    }

    static Sample read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
            return parse(stat, status);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Parses {@code /proc/PID/stat} (utime, stime, cutime and cstime, fields 14 to 17, counted after the
     * command name in parentheses, which may hold spaces; the children's share counts the work of a
     * milter that forks per connection, as mailfromd does, once the child has ended) and {@code /proc/PID/status} ({@code Threads:}, {@code VmRSS:}).
     */
    static Sample parse(String stat, String status) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        // fields[0] is field 3 (state), so field N is fields[N - 3]
        long cpu = Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3])
                + Long.parseLong(fields[16 - 3]) + Long.parseLong(fields[17 - 3]);
        int threads = (int) statusValue(status, "Threads:");
        long rss = statusValue(status, "VmRSS:");
        return new Sample(cpu, threads, rss);
    }

    private static long statusValue(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                String[] words = line.substring(key.length()).trim().split("\\s+");
                return Long.parseLong(words[0]);
            }
        }
        return -1;
    }
}
