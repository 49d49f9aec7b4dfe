package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LoadReportTest {

    private static final LoadOptions OPTIONS = new LoadOptions(LoadMode.PMILTER, new InetSocketAddress("127.0.0.1", 1),
            100, 2, 1, Duration.ofSeconds(5), Duration.ofSeconds(10), 0, Duration.ofSeconds(1), Duration.ZERO,
            new LoadTransaction(3, LoadMessage.ofSize(10_240)), 65_536, Duration.ofSeconds(30));

    @Test
    void throughputIsSuccessfulTransactionsPerSecondOfTheWindow() {
        LoadReport report = report(latencies(1, 2000), Duration.ofMillis(2500), Map.of("RCPT TEMPFAIL", 7L), Map.of());

        assertEquals(2000, report.measured());
        assertEquals(7, report.errorCount());
        assertEquals(800.0, report.throughput(), 1e-9);
    }

    @Test
    void percentilesComeFromTheHistogramInMicroseconds() {
        // 1..1000 µs, one each
        LoadReport report = report(latencies(1, 1000), Duration.ofSeconds(1), Map.of(), Map.of());

        assertEquals(500, report.latencyMicros(50), 1);
        assertEquals(990, report.latencyMicros(99), 1);
        assertEquals(1000, report.maxLatencyMicros(), 1);
        assertEquals(500.5, report.meanLatencyMicros(), 1);
    }

    @Test
    void cpuPerTransactionAndShareOfACoreComeFromTicks() {
        Map<String, ProcessWatch.Sample> processes = new LinkedHashMap<>();
        processes.put("generator", new ProcessWatch.Sample(50, 21, 100 * 1024));   // 0.5 s of CPU
        processes.put("pmult", new ProcessWatch.Sample(150, 24, 200 * 1024));      // 1.5 s
        processes.put("gone", null);
        LoadReport report = report(latencies(1, 1000), Duration.ofSeconds(2), Map.of(), processes);

        assertEquals(500.0, report.cpuMicrosPerTransaction("generator"), 1e-9);
        assertEquals(1500.0, report.cpuMicrosPerTransaction("pmult"), 1e-9);
        assertEquals(75.0, report.cpuPercent("pmult"), 1e-9);
        assertEquals(-1, report.cpuMicrosPerTransaction("gone"));
        assertEquals(-1, report.cpuMicrosPerTransaction("unknown"));
    }

    @Test
    void resultLineCarriesEveryFigureAsKeyValuePairs() {
        Map<String, ProcessWatch.Sample> processes = new LinkedHashMap<>();
        processes.put("pmult", new ProcessWatch.Sample(100, 24, 300 * 1024));
        LoadReport report = report(latencies(1, 1000), Duration.ofSeconds(1), Map.of("DOT TEMPFAIL (TIMEOUT)", 2L),
                processes);

        String line = report.resultLine();

        assertTrue(line.startsWith("result mode=pmilter sessions=100 connections=2 rcpts=3 size=10240 "), line);
        for (String pair : new String[] {"ok=1000", "errors=2", "unfinished=0", "tps=1000.0", "p50_us=500",
                "p99.9_us=999", "max_us=1000", "cpu_us_per_tx.pmult=1000.0", "cpu_pct.pmult=100.0", "threads.pmult=24",
                "rss_mib.pmult=300.0"}) {
            assertTrue(line.contains(" " + pair), pair + " in " + line);
        }
    }

    @Test
    void theHypervisorsShareIsReportedWhereKnownAndLeftOutElsewhere() {
        LoadReport stolen = report(latencies(1, 10), Duration.ofSeconds(1), Map.of(), Map.of(), 42.5);
        StringWriter text = new StringWriter();
        stolen.print(new PrintWriter(text));

        assertTrue(stolen.resultLine().endsWith(" steal_pct=42.5"), stolen.resultLine());
        assertTrue(text.toString().contains("machine: 42.5 % of its CPU time taken by the hypervisor (steal)"), text.toString());
        assertFalse(report(latencies(1, 10), Duration.ofSeconds(1), Map.of(), Map.of()).resultLine().contains("steal"));
    }

    @Test
    void printsErrorsByKindAndAProcessTable() {
        Map<String, ProcessWatch.Sample> processes = new LinkedHashMap<>();
        processes.put("pmult", new ProcessWatch.Sample(100, 24, 300 * 1024));
        StringWriter text = new StringWriter();

        report(latencies(1, 10), Duration.ofSeconds(1), Map.of("RCPT TEMPFAIL (TIMEOUT)", 3L), processes)
                .print(new PrintWriter(text));

        String printed = text.toString();
        assertTrue(printed.contains("through pmilter (pmult): 100 sessions over 2 connection(s), 3 rcpt, 10240-byte message"),
                printed);
        assertTrue(printed.contains("transactions: 10 ok (10.0/s), 3 errors"), printed);
        assertTrue(printed.contains("error RCPT TEMPFAIL (TIMEOUT)"), printed);
        assertTrue(printed.contains("pmult"), printed);
    }

    @Test
    void anEmptyWindowReportsZeroesNotNaN() {
        LoadReport report = report(new Histogram(1_000, 3_600_000_000_000L, 3), Duration.ofSeconds(1), Map.of(), Map.of());

        assertEquals(0, report.throughput());
        assertEquals(0, report.latencyMicros(99));
        assertEquals(0, report.meanLatencyMicros());
    }

    /** One transaction of each latency from {@code fromMicros} to {@code toMicros}. */
    private static Histogram latencies(int fromMicros, int toMicros) {
        Histogram histogram = new Histogram(1_000, 3_600_000_000_000L, 3);
        for (int micros = fromMicros; micros <= toMicros; micros++) {
            histogram.recordValue(micros * 1_000L);
        }
        return histogram;
    }

    private static LoadReport report(Histogram latency, Duration window, Map<String, Long> errors,
            Map<String, ProcessWatch.Sample> processes) {
        return report(latency, window, errors, processes, null);
    }

    private static LoadReport report(Histogram latency, Duration window, Map<String, Long> errors,
            Map<String, ProcessWatch.Sample> processes, Double stealPercent) {
        return new LoadReport(OPTIONS, window, latency, errors, latency.getTotalCount(), 0, processes, stealPercent);
    }
}
