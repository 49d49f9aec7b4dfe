package org.pmult.server;

import ch.qos.logback.classic.LoggerContext;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.pmult.server.cli.LogLevels;
import org.pmult.server.config.ConfigException;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.config.DebugSpec;
import org.pmult.server.config.LoadedConfig;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.metrics.MetricsHttpServer;
import org.pmult.server.metrics.PmultMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The daemon around {@link PmultServer}: metrics registry and HTTP endpoint, pidfile, SIGHUP reload
 * (on its own thread, never an event loop), SIGTERM/SIGINT graceful shutdown, and the exit code.
 */
public final class PmultDaemon {

    private static final Logger LOG = LoggerFactory.getLogger(PmultDaemon.class);

    private PmultDaemon() {
    }

    /**
     * Runs pmult until it is told to stop.
     *
     * @param config        the validated configuration (listen already overridden by {@code --url})
     * @param configFile    the file it came from, re-read on SIGHUP; empty for the built-in defaults
     * @param debugOverride the {@code --debug} level, already applied; when present it outlives reloads
     * @return the process exit code: 0 after a clean stop, 1 when pmult could not start
     */
    public static int run(PmultConfig config, Optional<Path> configFile, Optional<DebugSpec> debugOverride) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PmultMetrics metrics = new PmultMetrics(registry);
        PmultServer server;
        try {
            server = PmultServer.start(config, metrics);
        } catch (IOException | RuntimeException e) {
            LOG.error("pmult cannot start: {}", e.getMessage());
            stopLogging();
            return 1;
        }
        MetricsHttpServer http = null;
        PidFile pidFile = null;
        try {
            if (config.metricsAddress().isPresent()) {
                http = new MetricsHttpServer(config.metricsAddress().get().toSocketAddress(), registry, server.readiness());
                http.start();
                LOG.info("metrics on http://{}:{}/metrics (health: /health, readiness: /ready)",
                        config.metricsAddress().get().bracketedHost(), config.metricsAddress().get().port());
            }
            if (config.pidfile().isPresent()) {
                pidFile = PidFile.write(config.pidfile().get());
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("pmult cannot start: {}", e.getMessage());
            server.shutdown(java.time.Duration.ZERO);
            if (http != null) {
                http.close();
            }
            stopLogging();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ExecutorService reloader = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pmult-reload");
            thread.setDaemon(true);
            return thread;
        });
        installReload(server, configFile, debugOverride, reloader);
        MetricsHttpServer httpToClose = http;
        PidFile pidToRemove = pidFile;
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            LOG.info("pmult stopping (grace period {} s)", config.shutdownGrace().toSeconds());
            if (httpToClose != null) {
                httpToClose.beginShutdown();
            }
            server.shutdown(config.shutdownGrace());
            if (httpToClose != null) {
                httpToClose.close();
            }
            if (pidToRemove != null) {
                pidToRemove.close();
            }
            metrics.close();
            stopped.countDown();
        };
        // SIGTERM/SIGINT stop gracefully and exit 0 (a JVM killed by the default handler exits 143);
        // the hook covers any other way the JVM goes down.
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> new Thread(stop, "pmult-shutdown").start());
            } catch (IllegalArgumentException e) {
                LOG.debug("no handler for SIG{}: {}", name, e.getMessage());
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "pmult-shutdown-hook"));
        LOG.info("pmult {} started, pid {}", org.pmult.server.session.PmultVersion.VERSION, ProcessHandle.current().pid());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopLogging();
        return 0;
    }

    private static void installReload(PmultServer server, Optional<Path> configFile, Optional<DebugSpec> debugOverride,
                                      ExecutorService reloader) {
        try {
            SignalHandler before = Signal.handle(new Signal("HUP"),
                    signal -> reloader.execute(() -> reload(server, configFile, debugOverride)));
            if (before == SignalHandler.SIG_IGN) {
                // The JVM keeps a shutdown signal ignored that was ignored when it started, handler or not.
                LOG.warn("SIGHUP reload unavailable: pmult was started with SIGHUP ignored (as nohup does), and"
                        + " the JVM keeps it ignored; start pmult under a service manager instead of nohup, or"
                        + " through env --default-signal=HUP");
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP reload unavailable on this platform: {}", e.getMessage());
        }
    }

    /** Re-reads the configuration file; a bad file is logged and the running configuration stays. */
    static void reload(PmultServer server, Optional<Path> configFile, Optional<DebugSpec> debugOverride) {
        if (configFile.isEmpty()) {
            LOG.info("SIGHUP: running on the built-in defaults, nothing to reload");
            return;
        }
        try {
            LoadedConfig loaded = ConfigLoader.read(configFile.get());
            ConfigLoader.logNotes(loaded);
            LogLevels.apply(debugOverride.orElse(loaded.config().debug()));
            server.reload(loaded.config());
            LOG.info("SIGHUP: reloaded {}", configFile.get());
        } catch (ConfigException e) {
            LOG.error("SIGHUP: {}; keeping the running configuration", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("SIGHUP: reload of {} failed; keeping the running configuration", configFile.get(), e);
        } catch (Error e) {
            // the reload thread's executor would drop it without a word: say so, then let it go on
            LOG.error("SIGHUP: reload of {} failed ({}); keeping the running configuration", configFile.get(), e, e);
            throw e;
        }
    }

    private static void stopLogging() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
