package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PmultMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PmultMetrics metrics = new PmultMetrics(registry);

    @AfterEach
    void closeMetrics() {
        metrics.close();
        registry.close();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void sessionsOpenedAndClosedMoveTotalAndActive() {
        metrics.sessionOpened();
        metrics.sessionOpened();
        metrics.sessionOpened();
        metrics.sessionClosed();

        assertEquals(3.0, counter(MeterNames.SESSIONS));
        assertEquals(2.0, gauge(MeterNames.SESSIONS_ACTIVE));
    }

    @Test
    void meta1ConnectionsMoveTotalAndActive() {
        metrics.meta1ConnectionOpened();
        metrics.meta1ConnectionOpened();
        metrics.meta1ConnectionClosed();

        assertEquals(2.0, counter(MeterNames.META1_CONNECTIONS));
        assertEquals(1.0, gauge(MeterNames.META1_CONNECTIONS_ACTIVE));
    }

    @Test
    void transactionsCountEachStart() {
        metrics.transactionStarted();
        metrics.transactionStarted();

        assertEquals(2.0, counter(MeterNames.SMTP_TRANSACTIONS));
    }

    @Test
    void verdictCountsOnlyItsStageAndAction() {
        metrics.verdict(MetricStage.RCPT, MetricAction.REJECT);
        metrics.verdict(MetricStage.RCPT, MetricAction.REJECT);
        metrics.verdict(MetricStage.EOM, MetricAction.ACCEPT);

        assertEquals(2.0, counter(MeterNames.VERDICTS, "stage", "rcpt", "action", "reject"));
        assertEquals(1.0, counter(MeterNames.VERDICTS, "stage", "eom", "action", "accept"));
        assertEquals(0.0, counter(MeterNames.VERDICTS, "stage", "rcpt", "action", "tempfail"));
        assertEquals(3.0, registry.get(MeterNames.VERDICTS).counters().stream().mapToDouble(Counter::count).sum());
    }

    @Test
    void everyVerdictSeriesExistsFromTheStartAtZero() {
        int expected = MetricStage.values().length * MetricAction.values().length;

        assertEquals(expected, registry.get(MeterNames.VERDICTS).counters().size());
    }

    @Test
    void decodeErrorsCountByReason() {
        metrics.decodeError(DecodeErrorReason.FRAME_LENGTH);
        metrics.decodeError(DecodeErrorReason.FRAME_LENGTH);
        metrics.decodeError(DecodeErrorReason.HEADER);

        assertEquals(2.0, counter(MeterNames.PMILTER_DECODE_ERRORS, "reason", "frame_length"));
        assertEquals(1.0, counter(MeterNames.PMILTER_DECODE_ERRORS, "reason", "header"));
        assertEquals(0.0, counter(MeterNames.PMILTER_DECODE_ERRORS, "reason", "value"));
    }

    @Test
    void clientLatencyLandsInItsStageTimerAndBucket() {
        ClientMeters mfd = metrics.forClient("mfd");

        mfd.latency(MetricStage.RCPT, TimeUnit.MILLISECONDS.toNanos(3));

        Timer rcpt = registry.get(MeterNames.MILTER_REPLY_LATENCY).tags("client", "mfd", "stage", "rcpt").timer();
        assertEquals(1, rcpt.count());
        assertEquals(3.0, rcpt.totalTime(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(0, registry.get(MeterNames.MILTER_REPLY_LATENCY).tags("client", "mfd", "stage", "mail").timer().count());
        String scrape = registry.scrape();
        assertTrue(scrape.contains("pmult_milter_reply_latency_seconds_bucket{client=\"mfd\",stage=\"rcpt\",le=\"0.0025\"} 0\n"), scrape);
        assertTrue(scrape.contains("pmult_milter_reply_latency_seconds_bucket{client=\"mfd\",stage=\"rcpt\",le=\"0.005\"} 1\n"), scrape);
        assertTrue(scrape.contains("pmult_milter_reply_latency_seconds_bucket{client=\"mfd\",stage=\"rcpt\",le=\"10.0\"} 1\n"), scrape);
    }

    @Test
    void latencyBucketsSpan100MicrosecondsTo10Seconds() {
        metrics.forClient("mfd");

        long buckets = registry.scrape().lines()
                .filter(line -> line.startsWith("pmult_milter_reply_latency_seconds_bucket{client=\"mfd\",stage=\"helo\""))
                .count();
        assertEquals(ClientMeters.LATENCY_BUCKETS.length + 1, buckets, "SLO buckets plus +Inf");
        assertEquals(100_000, ClientMeters.LATENCY_BUCKETS[0].toNanos());
        assertEquals(10, ClientMeters.LATENCY_BUCKETS[ClientMeters.LATENCY_BUCKETS.length - 1].toSeconds());
    }

    @Test
    void noLatencyOrTimeoutExistsForStagesWithoutMilterReply() {
        ClientMeters mfd = metrics.forClient("mfd");

        assertThrows(IllegalArgumentException.class, () -> mfd.latency(MetricStage.ABORT, 1));
        assertThrows(IllegalArgumentException.class, () -> mfd.timeout(MetricStage.CLOSE));
        assertNull(registry.find(MeterNames.MILTER_REPLY_LATENCY).tags("stage", "abort").timer());
        assertNull(registry.find(MeterNames.MILTER_TIMEOUTS).tags("stage", "close").counter());
    }

    @Test
    void timeoutCountsItsStageAndATimeoutFailure() {
        ClientMeters mfd = metrics.forClient("mfd");

        mfd.timeout(MetricStage.EOM);
        mfd.timeout(MetricStage.EOM);
        mfd.timeout(MetricStage.RCPT);

        assertEquals(2.0, counter(MeterNames.MILTER_TIMEOUTS, "client", "mfd", "stage", "eom"));
        assertEquals(1.0, counter(MeterNames.MILTER_TIMEOUTS, "client", "mfd", "stage", "rcpt"));
        assertEquals(3.0, counter(MeterNames.MILTER_FAILURES, "client", "mfd", "kind", "timeout"));
    }

    @Test
    void failuresCountByKindAndRefuseTimeoutWithoutStage() {
        ClientMeters mfd = metrics.forClient("mfd");

        mfd.failure(FailureKind.CONNECT);
        mfd.failure(FailureKind.CLOSED);
        mfd.failure(FailureKind.CLOSED);
        mfd.failure(FailureKind.PROTOCOL);

        assertEquals(1.0, counter(MeterNames.MILTER_FAILURES, "client", "mfd", "kind", "connect"));
        assertEquals(2.0, counter(MeterNames.MILTER_FAILURES, "client", "mfd", "kind", "closed"));
        assertEquals(1.0, counter(MeterNames.MILTER_FAILURES, "client", "mfd", "kind", "protocol"));
        assertThrows(IllegalArgumentException.class, () -> mfd.failure(FailureKind.TIMEOUT));
        assertEquals(0.0, counter(MeterNames.MILTER_FAILURES, "client", "mfd", "kind", "timeout"));
    }

    @Test
    void reconnectsVersionUpAndDefaultActionsAreKeptPerClient() {
        ClientMeters mfd = metrics.forClient("mfd");
        ClientMeters spam = metrics.forClient("spam");

        mfd.reconnect();
        mfd.reconnect();
        mfd.negotiatedVersion(6);
        mfd.up(true);
        spam.negotiatedVersion(2);
        spam.up(true);
        spam.up(false);
        spam.defaultAction(MetricAction.TEMPFAIL);

        assertEquals(2.0, counter(MeterNames.MILTER_RECONNECTS, "client", "mfd"));
        assertEquals(0.0, counter(MeterNames.MILTER_RECONNECTS, "client", "spam"));
        assertEquals(6.0, gauge(MeterNames.MILTER_PROTOCOL_VERSION, "client", "mfd"));
        assertEquals(2.0, gauge(MeterNames.MILTER_PROTOCOL_VERSION, "client", "spam"));
        assertEquals(1.0, gauge(MeterNames.MILTER_UP, "client", "mfd"));
        assertEquals(0.0, gauge(MeterNames.MILTER_UP, "client", "spam"));
        assertEquals(1.0, counter(MeterNames.MILTER_DEFAULT_ACTIONS, "client", "spam", "action", "tempfail"));
        assertEquals(0.0, counter(MeterNames.MILTER_DEFAULT_ACTIONS, "client", "mfd", "action", "tempfail"));
    }

    @Test
    void clientStartsDownAtVersionZero() {
        metrics.forClient("mfd");

        assertEquals(0.0, gauge(MeterNames.MILTER_UP, "client", "mfd"));
        assertEquals(0.0, gauge(MeterNames.MILTER_PROTOCOL_VERSION, "client", "mfd"));
    }

    @Test
    void forClientReturnsTheSameMetersForTheSameName() {
        ClientMeters first = metrics.forClient("mfd");

        assertSame(first, metrics.forClient("mfd"));
        assertEquals("mfd", first.client());
        assertThrows(IllegalArgumentException.class, () -> metrics.forClient(""));
    }

    @Test
    void closingAClientRemovesItsMetersOnly() {
        ClientMeters mfd = metrics.forClient("mfd");
        metrics.forClient("spam");

        mfd.close();

        assertNull(registry.find(MeterNames.MILTER_UP).tags("client", "mfd").gauge());
        assertNull(registry.find(MeterNames.MILTER_REPLY_LATENCY).tags("client", "mfd").timer());
        Gauge spamUp = registry.find(MeterNames.MILTER_UP).tags("client", "spam").gauge();
        assertEquals(0.0, spamUp.value());
        assertFalse(registry.scrape().contains("client=\"mfd\""));
    }

    @Test
    void aStaleClientCloseLeavesItsSuccessorAlone() {
        ClientMeters old = metrics.forClient("mfd");
        old.close();
        ClientMeters successor = metrics.forClient("mfd");
        successor.up(true);

        old.close();

        assertNotSame(old, successor);
        assertEquals(1.0, gauge(MeterNames.MILTER_UP, "client", "mfd"));
    }

    @Test
    void byteCounterIsSharedPerSide() {
        assertSame(metrics.byteCounter(TrafficSide.MILTER), metrics.byteCounter(TrafficSide.MILTER));
        assertNotSame(metrics.byteCounter(TrafficSide.MILTER), metrics.byteCounter(TrafficSide.PMILTER));
    }

    @Test
    void scrapeUsesPrometheusNames() {
        metrics.sessionOpened();
        metrics.forClient("mfd").up(true);

        String scrape = registry.scrape();

        assertTrue(scrape.contains("\npmult_sessions_total 1.0\n"), scrape);
        assertTrue(scrape.contains("\npmult_sessions_active 1.0\n"), scrape);
        assertTrue(scrape.contains("\npmult_milter_up{client=\"mfd\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("\npmult_received_bytes_total{side=\"pmilter\"} 0.0\n"), scrape);
        assertTrue(scrape.contains("\npmult_sent_bytes_total{side=\"milter\"} 0.0\n"), scrape);
        assertTrue(scrape.contains("\npmult_build_info{version="), scrape);
    }

    @Test
    void jvmAndNettyMetersAreBound() {
        String scrape = registry.scrape();

        assertTrue(scrape.contains("\njvm_memory_used_bytes{"), "jvm memory");
        assertTrue(scrape.contains("\njvm_gc_"), "gc");
        assertTrue(scrape.contains("\njvm_threads_live_threads "), "threads");
        assertTrue(scrape.contains("\njvm_classes_loaded_classes "), "class loader");
        assertTrue(scrape.contains("\nsystem_cpu_count "), "processor");
        assertTrue(scrape.contains("\npmult_netty_memory_used_bytes{allocator=\"pooled\",memory=\"direct\"}"), "netty pooled");
        assertTrue(scrape.contains("\npmult_netty_memory_used_bytes{allocator=\"pooled\",memory=\"heap\"}"), "netty pooled");
    }

    @Test
    void nettyMemoryGaugesFollowTheAllocators() {
        PooledByteBufAllocator pooled = new PooledByteBufAllocator(true);
        UnpooledByteBufAllocator unpooled = new UnpooledByteBufAllocator(true);
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        NettyMemoryMetrics binder = new NettyMemoryMetrics(pooled, unpooled);
        binder.bindTo(own);
        Gauge pooledDirect = own.get(MeterNames.NETTY_MEMORY_USED).tags("allocator", "pooled", "memory", "direct").gauge();
        Gauge unpooledHeap = own.get(MeterNames.NETTY_MEMORY_USED).tags("allocator", "unpooled", "memory", "heap").gauge();
        assertEquals(0.0, pooledDirect.value());
        assertEquals(0.0, unpooledHeap.value());

        ByteBuf direct = pooled.directBuffer(64 * 1024);
        ByteBuf heap = unpooled.heapBuffer(1000);
        try {
            assertTrue(pooledDirect.value() >= 64 * 1024, "pooled direct " + pooledDirect.value());
            assertEquals(1000.0, unpooledHeap.value());
        } finally {
            direct.release();
            heap.release();
            own.close();
        }
        assertEquals(0.0, unpooledHeap.value());
    }

    @Test
    void defaultAllocatorIsReportedOnceWhenItIsThePooledOne() {
        NettyMemoryMetrics binder = new NettyMemoryMetrics(PooledByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT);

        assertEquals(Set.of("pooled"), binder.allocatorTags());
    }
}
