package org.pmult.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Heap and direct memory held by Netty's allocators: {@link PooledByteBufAllocator#DEFAULT} and,
 * when it is a different object that reports metrics, {@link ByteBufAllocator#DEFAULT} (adaptive in
 * Netty 4.2). Pooled memory is invisible to the JVM's heap numbers until the pool grows, so these
 * gauges are what shows a buffer leak or an undersized {@code -XX:MaxDirectMemorySize}.
 */
final class NettyMemoryMetrics implements MeterBinder {

    private static final String DESCRIPTION = "Bytes held by a Netty allocator, by allocator and memory (direct or heap)";

    /** Allocators to report, keyed by the value of the {@code allocator} tag. */
    private final Map<String, ByteBufAllocatorMetric> allocators;

    NettyMemoryMetrics() {
        this(PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT);
    }

    NettyMemoryMetrics(PooledByteBufAllocator pooled, ByteBufAllocator defaultAllocator) {
        Map<String, ByteBufAllocatorMetric> found = new LinkedHashMap<>();
        found.put(tagFor(pooled), pooled.metric());
        if (defaultAllocator != pooled && defaultAllocator instanceof ByteBufAllocatorMetricProvider provider) {
            String tag = tagFor(defaultAllocator);
            found.put(found.containsKey(tag) ? "default" : tag, provider.metric());
        }
        this.allocators = Map.copyOf(found);
    }

    /** The allocator tag values this binder registers. */
    Set<String> allocatorTags() {
        return allocators.keySet();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        allocators.forEach((tag, metric) -> {
            Gauge.builder(MeterNames.NETTY_MEMORY_USED, metric, ByteBufAllocatorMetric::usedDirectMemory)
                    .description(DESCRIPTION)
                    .baseUnit(MeterNames.UNIT_BYTES)
                    .tag(MeterNames.TAG_ALLOCATOR, tag)
                    .tag(MeterNames.TAG_MEMORY, "direct")
                    .strongReference(true)
                    .register(registry);
            Gauge.builder(MeterNames.NETTY_MEMORY_USED, metric, ByteBufAllocatorMetric::usedHeapMemory)
                    .description(DESCRIPTION)
                    .baseUnit(MeterNames.UNIT_BYTES)
                    .tag(MeterNames.TAG_ALLOCATOR, tag)
                    .tag(MeterNames.TAG_MEMORY, "heap")
                    .strongReference(true)
                    .register(registry);
        });
    }

    static String tagFor(ByteBufAllocator allocator) {
        if (allocator instanceof PooledByteBufAllocator) {
            return "pooled";
        }
        if (allocator instanceof AdaptiveByteBufAllocator) {
            return "adaptive";
        }
        if (allocator instanceof UnpooledByteBufAllocator) {
            return "unpooled";
        }
        return allocator.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}
