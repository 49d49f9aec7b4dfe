package org.pmult.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteCountingHandlerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Counter received = registry.counter("test.received");
    private final Counter sent = registry.counter("test.sent");
    private final ByteCountingHandler handler = new ByteCountingHandler(received, sent);

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    @Test
    void countsInboundBytesAndPassesTheSameBufferOn() {
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        ByteBuf first = bytes("hello");

        channel.writeInbound(first, bytes("abc"));

        ByteBuf read = channel.readInbound();
        assertSame(first, read);
        read.release();
        ReferenceCountUtil.release(channel.readInbound());
        assertEquals(8.0, received.count());
        assertEquals(0.0, sent.count());
        assertFalse(channel.finish());
    }

    @Test
    void countsOutboundBytesAndPassesTheSameBufferOn() {
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        ByteBuf reply = bytes("0123456");

        channel.writeOutbound(reply);

        ByteBuf written = channel.readOutbound();
        assertSame(reply, written);
        written.release();
        assertEquals(7.0, sent.count());
        assertEquals(0.0, received.count());
        assertFalse(channel.finish());
    }

    @Test
    void countsOnlyUnreadBytesOfABuffer() {
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        ByteBuf partlyRead = bytes("xxhello");
        partlyRead.skipBytes(2);

        channel.writeInbound(partlyRead);

        ReferenceCountUtil.release(channel.readInbound());
        assertEquals(5.0, received.count());
        assertFalse(channel.finish());
    }

    @Test
    void countsByteBufHolderContent() {
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        ByteBufHolder holder = new DefaultByteBufHolder(bytes("four"));

        channel.writeInbound(holder);

        ReferenceCountUtil.release(channel.readInbound());
        assertEquals(4.0, received.count());
        assertFalse(channel.finish());
    }

    @Test
    void ignoresMessagesThatAreNotBytes() {
        EmbeddedChannel channel = new EmbeddedChannel(handler);

        channel.writeInbound("a decoded message");
        channel.writeOutbound(Integer.valueOf(42));

        assertEquals("a decoded message", channel.readInbound());
        assertEquals(42, (Integer) channel.readOutbound());
        assertEquals(0.0, received.count());
        assertEquals(0.0, sent.count());
        assertFalse(channel.finish());
    }

    @Test
    void oneInstanceCountsForEveryChannelItIsSharedWith() {
        EmbeddedChannel first = new EmbeddedChannel(handler);
        EmbeddedChannel second = new EmbeddedChannel(handler);

        first.writeInbound(bytes("12345"));
        second.writeInbound(bytes("123"));
        second.writeOutbound(bytes("12"));

        ReferenceCountUtil.release(first.readInbound());
        ReferenceCountUtil.release(second.readInbound());
        ReferenceCountUtil.release(second.readOutbound());
        assertEquals(8.0, received.count());
        assertEquals(2.0, sent.count());
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    @Test
    void pmultMetricsByteCounterFeedsItsSideOnly() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PmultMetrics metrics = new PmultMetrics(prometheus)) {
            EmbeddedChannel milterChannel = new EmbeddedChannel(metrics.byteCounter(TrafficSide.MILTER));

            milterChannel.writeInbound(bytes("reply"));
            milterChannel.writeOutbound(bytes("command!"));

            ReferenceCountUtil.release(milterChannel.readInbound());
            ReferenceCountUtil.release(milterChannel.readOutbound());
            assertFalse(milterChannel.finish());
            assertEquals(5.0, prometheus.get(MeterNames.RECEIVED).tags("side", "milter").counter().count());
            assertEquals(8.0, prometheus.get(MeterNames.SENT).tags("side", "milter").counter().count());
            assertEquals(0.0, prometheus.get(MeterNames.RECEIVED).tags("side", "pmilter").counter().count());
            assertEquals(0.0, prometheus.get(MeterNames.SENT).tags("side", "pmilter").counter().count());
            String scrape = prometheus.scrape();
            assertTrue(scrape.contains("\npmult_received_bytes_total{side=\"milter\"} 5.0\n"), scrape);
            assertTrue(scrape.contains("\npmult_sent_bytes_total{side=\"milter\"} 8.0\n"), scrape);
        } finally {
            prometheus.close();
        }
    }
}
