package org.pmult.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

import static org.pmult.server.metrics.MeterNames.BUILD_INFO;
import static org.pmult.server.metrics.MeterNames.TAG_VERSION;

/**
 * The process itself: pmult's build information, Micrometer's JVM and system binders, and the
 * memory Netty's allocators hold. Registered once; {@link #close()} stops the GC listener.
 */
final class ProcessMeters implements AutoCloseable {

    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    ProcessMeters(MeterRegistry registry) {
        Gauge.builder(BUILD_INFO, () -> 1).description("pmult build information")
                .tag(TAG_VERSION, version()).register(registry);

        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new NettyMemoryMetrics().bindTo(registry);
    }

    @Override
    public void close() {
        gcMetrics.close();
    }

    private static String version() {
        String version = ProcessMeters.class.getPackage().getImplementationVersion();
        return version != null ? version : "unknown";
    }
}
