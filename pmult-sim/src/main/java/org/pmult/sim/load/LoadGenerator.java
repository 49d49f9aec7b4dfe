package org.pmult.sim.load;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.pmult.server.transport.Transports;

/**
 * Runs one load: the generator's event loops, the driver for the mode, the closed loop of sessions,
 * and the report.
 *
 * <pre>{@code
 * LoadOptions options = new LoadOptions(LoadMode.PMILTER, pmultAddress, 100, 2, 1, Duration.ofSeconds(5),
 *         Duration.ofSeconds(15), 0, Duration.ofSeconds(1), Duration.ZERO, new LoadTransaction(1, LoadMessage.ofSize(10_240)),
 *         65_536, Duration.ofSeconds(30));
 * LoadReport report = LoadGenerator.run(options, Map.of("pmult", pmultPid));
 * report.throughput();              // transactions per second
 * report.latencyMicros(99);         // p99 in microseconds
 * }</pre>
 */
public final class LoadGenerator {

    private LoadGenerator() {
    }

    /**
     * Runs {@code options} and blocks until done (warm-up + duration + the drain of sessions in flight).
     *
     * @param watched processes to report CPU, threads and memory for (name to pid; Linux only), besides
     *                this JVM as {@code generator}
     */
    public static LoadReport run(LoadOptions options, Map<String, Long> watched) throws InterruptedException {
        Transports transport = Transports.best();
        EventLoopGroup loops = transport.newEventLoopGroup(options.threads(), new DefaultThreadFactory("pmult-load", true));
        try (TransactionDriver driver = options.mode() == LoadMode.PMILTER
                ? new PmilterDriver(options, transport, loops)
                : new MilterDriver(options, transport, loops)) {
            return new LoadRunner(options, driver, loops, ProcessWatch.withSelf(watched)).run();
        } finally {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
