package org.pmult.server;

import org.pmult.server.config.DebugSpec;
import org.pmult.server.config.PmultConfig;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Placeholder for the daemon entry point the CLI calls; the real wiring replaces this class.
 */
public final class PmultDaemon {

    private PmultDaemon() {
    }

    /**
     * Runs pmult until it is told to stop.
     *
     * @param config        the validated configuration (listen already overridden by {@code --url})
     * @param configFile    the file it came from, re-read on SIGHUP; empty for the built-in defaults
     * @param debugOverride the {@code --debug} level, already applied; when present it outlives reloads
     * @return the process exit code
     */
    public static int run(PmultConfig config, Optional<Path> configFile, Optional<DebugSpec> debugOverride) {
        throw new UnsupportedOperationException("daemon wiring lands with issue 4");
    }
}
