package org.pmult.server.cli;

/**
 * Netty's buffer leak detector, by default, records a stack trace for one buffer in 128: about 2 % of
 * pmult's CPU under load (docs/benchmarks.md, section 5). The daemon turns it off unless the JVM was
 * started with {@value #PROPERTY} (e.g. {@code -Dio.netty.leakDetection.level=simple} to hunt a
 * leak); the {@code pmult_netty_memory_used_bytes} gauge still shows one as steady growth. Tests
 * run with the paranoid level (the build's {@code test.argLine}).
 */
final class LeakDetection {

    static final String PROPERTY = "io.netty.leakDetection.level";
    /** The name Netty 4.0 used, which Netty still reads. */
    private static final String LEGACY_PROPERTY = "io.netty.leakDetectionLevel";

    private LeakDetection() {
    }

    /** Call before anything touches Netty's buffers: the detector reads its level once. */
    static void offUnlessAsked() {
        if (System.getProperty(PROPERTY) == null && System.getProperty(LEGACY_PROPERTY) == null) {
            System.setProperty(PROPERTY, "disabled");
        }
    }
}
