package org.pmult.server.cli;

import org.pmult.server.config.ConfigException;
import org.pmult.server.config.Intervals;
import org.pmult.server.config.LoadedConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code pmult meta1-config [--config FILE]}: prints the MeTA1 {@code policy_milter} section that
 * matches pmult's listen socket, ready to paste into the smtps section of {@code /etc/meta1/meta1.conf}.
 */
@Command(name = "meta1-config", mixinStandardHelpOptions = true,
        description = "Print the MeTA1 policy_milter section (for smtps in /etc/meta1/meta1.conf) matching pmult's listen socket.")
final class Meta1ConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    PmultCommand parent;

    @Option(names = {"-c", "--config", "--config-file"}, paramLabel = "FILE", description = "pmult's configuration file.")
    Path configFile;

    @Option(names = "--url", paramLabel = "URL", description = "Use this listen address instead of the configured ones.")
    List<String> urls = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "INTERVAL",
            description = "smtps' reply timeout; default: a minute above the longest client timeout (5m without clients).")
    String timeout;

    @Option(names = "--flags", paramLabel = "FLAG", converter = FlagConverter.class, defaultValue = "abort",
            description = "What smtps does when pmult does not answer: abort (421, default), accept_but_reconnect, or none.")
    Meta1PolicyMilter.Flag flag;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            // --config and --url may also be given before the subcommand name (pmult --url X meta1-config)
            Path file = configFile != null ? configFile : parent.configFile;
            List<String> listen = urls.isEmpty() ? parent.urls : urls;
            LoadedConfig loaded = PmultCommand.withUrls(parent.loadConfig(Optional.ofNullable(file)), listen);
            Optional<Duration> timeoutOverride = Optional.empty();
            if (timeout != null) {
                try {
                    timeoutOverride = Optional.of(Intervals.parse(timeout));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("--timeout", e.getMessage());
                }
            }
            out.print(Meta1PolicyMilter.render(loaded.config(), timeoutOverride, flag));
            out.flush();
            return PmultCommand.EXIT_OK;
        } catch (ConfigException e) {
            err.println("pmult: " + e.getMessage());
            err.flush();
            return PmultCommand.EXIT_CONFIG;
        }
    }

    static final class FlagConverter implements CommandLine.ITypeConverter<Meta1PolicyMilter.Flag> {
        @Override
        public Meta1PolicyMilter.Flag convert(String value) {
            try {
                return Meta1PolicyMilter.Flag.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown flag \"" + value
                        + "\" (expected: abort, accept_but_reconnect or none)");
            }
        }
    }
}
