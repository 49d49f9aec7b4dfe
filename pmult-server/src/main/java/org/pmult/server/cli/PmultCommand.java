package org.pmult.server.cli;

import org.pmult.server.PmultDaemon;
import org.pmult.server.config.ConfigException;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.config.DebugSpec;
import org.pmult.server.config.LoadedConfig;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.config.SocketEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The {@code pmult} command: runs the multiplexer, checks a configuration, and converts addresses.
 * Exit codes: 0 success, 1 the daemon failed at run time, 2 bad configuration or command line.
 */
@Command(name = "pmult",
        mixinStandardHelpOptions = true,
        versionProvider = PmultCommand.Version.class,
        subcommands = {AddressCommand.class, Meta1ConfigCommand.class},
        description = {
                "MeTA1 pmilter to Sendmail Milter multiplexer.",
                "Without --config reads /etc/pmult/pmult.conf if it exists, else runs on the built-in"
                        + " defaults (listen inet://127.0.0.1:3333) with mailfromd's default socket"
                        + " unix:/var/lib/mailfromd/mailfrom as client if it exists, else no clients."})
public final class PmultCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_CONFIG = 2;

    private static final Logger log = LoggerFactory.getLogger(PmultCommand.class);

    /** How the daemon is started; replaced in tests. */
    @FunctionalInterface
    public interface DaemonLauncher {
        int run(PmultConfig config, Optional<Path> configFile, Optional<DebugSpec> debugOverride);
    }

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config", "--config-file"}, paramLabel = "FILE",
            description = "Configuration file: *.hocon, *.json, *.properties are HOCON, anything else GNU pmult.conf syntax.")
    Path configFile;

    @Option(names = "--foreground",
            description = "Stay in the foreground. pmult never daemonizes (like GNU pmult); accepted for service scripts.")
    boolean foreground;

    @Option(names = {"-x", "--debug"}, paramLabel = "LEVEL",
            description = "Logging: 0..9, info, debug, trace, wire (hex frames), LOGGER=LEVEL or Mailutils pmult.trace7."
                    + " Overrides the debug statement.")
    String debug;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            converter = LogFormatConverter.class,
            description = "text (default: as logback.xml says) or json (one JSON object per line, for log shippers).")
    LogFormat logFormat = LogFormat.TEXT;

    @Option(names = "--url", paramLabel = "URL",
            description = "Listen on URL instead of the configured listen sockets (repeatable), like GNU pmult's --url.")
    List<String> urls = new ArrayList<>();

    @Option(names = {"-t", "--config-test"},
            description = "Load and validate the configuration, print a summary and exit (0 OK, 2 error).")
    boolean configTest;

    private final Path defaultConfig;
    private final Path mailfromdSocket;
    private final DaemonLauncher launcher;

    public PmultCommand() {
        this(ConfigLoader.DEFAULT_CONFIG, ConfigLoader.MAILFROMD_DEFAULT_SOCKET, PmultDaemon::run);
    }

    /**
     * @param defaultConfig read when no {@code --config} is given, if it exists
     * @param launcher      starts the daemon
     */
    public PmultCommand(Path defaultConfig, DaemonLauncher launcher) {
        this(defaultConfig, ConfigLoader.MAILFROMD_DEFAULT_SOCKET, launcher);
    }

    /**
     * @param defaultConfig   read when no {@code --config} is given, if it exists
     * @param mailfromdSocket without any configuration file, the client if this socket exists
     * @param launcher        starts the daemon
     */
    public PmultCommand(Path defaultConfig, Path mailfromdSocket, DaemonLauncher launcher) {
        this.defaultConfig = Objects.requireNonNull(defaultConfig, "defaultConfig");
        this.mailfromdSocket = Objects.requireNonNull(mailfromdSocket, "mailfromdSocket");
        this.launcher = Objects.requireNonNull(launcher, "launcher");
    }

    public static void main(String[] args) {
        LeakDetection.offUnlessAsked();
        System.exit(new CommandLine(new PmultCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadedConfig loaded;
        Optional<DebugSpec> debugOverride;
        try {
            loaded = withUrls(loadConfig(Optional.ofNullable(configFile)), urls);
            debugOverride = parseDebug(debug);
        } catch (ConfigException e) {
            err.println("pmult: " + e.getMessage());
            if (configTest) {
                err.println("configuration FAILED");
            }
            err.flush();
            return EXIT_CONFIG;
        }
        if (configTest) {
            ConfigSummary.print(loaded, debugOverride, out);
            out.println("configuration OK");
            out.flush();
            return EXIT_OK;
        }
        logFormat.apply();
        LogLevels.apply(debugOverride.orElse(loaded.config().debug()));
        ConfigLoader.logNotes(loaded);
        try {
            return launcher.run(loaded.config(), loaded.source(), debugOverride);
        } catch (RuntimeException e) {
            log.error("pmult stopped: {}", e.getMessage(), e);
            err.println("pmult: " + e.getMessage());
            err.flush();
            return EXIT_FAILURE;
        }
    }

    /** The configuration a subcommand works on: its own {@code --config}, else pmult's default. */
    LoadedConfig loadConfig(Optional<Path> explicit) {
        return ConfigLoader.readStartupConfig(explicit, defaultConfig, mailfromdSocket);
    }

    /** Replaces the listen sockets with {@code --url} addresses, if any. */
    static LoadedConfig withUrls(LoadedConfig loaded, List<String> urls) {
        if (urls.isEmpty()) {
            return loaded;
        }
        List<SocketEndpoint> endpoints = new ArrayList<>();
        for (String url : urls) {
            try {
                endpoints.add(SocketEndpoint.parse(url));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--url", e.getMessage());
            }
        }
        try {
            return loaded.withConfig(loaded.config().withListen(endpoints));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--url", e.getMessage());
        }
    }

    static Optional<DebugSpec> parseDebug(String debug) {
        if (debug == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(DebugSpec.parse(debug));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--debug", e.getMessage());
        }
    }

    /** {@code --log-format}: {@code text} or {@code json}, in any case. */
    static final class LogFormatConverter implements CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            try {
                return LogFormat.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown log format \"" + value + "\" (expected: text or json)");
            }
        }
    }

    /** {@code pmult VERSION}, from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"pmult " + version(), "MeTA1 pmilter (profile 1) to Sendmail Milter multiplexer"};
        }

        static String version() {
            String version = PmultCommand.class.getPackage().getImplementationVersion();
            return version == null ? "(development build)" : version;
        }
    }
}
