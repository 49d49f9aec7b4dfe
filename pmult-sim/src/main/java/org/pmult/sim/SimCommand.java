package org.pmult.sim;

import java.io.PrintWriter;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.RunOptions;
import org.pmult.sim.engine.SimulationReport;
import org.pmult.sim.engine.SimulatorSettings;
import org.pmult.sim.load.ContinueMilterCommand;
import org.pmult.sim.load.LoadCommand;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.meta1.Meta1ConfigException;
import org.pmult.sim.meta1.Meta1ConfigParser;
import org.pmult.sim.meta1.Meta1Interval;
import org.pmult.sim.meta1.Meta1PolicyMilterConfig;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.ScenarioException;
import org.pmult.sim.scenario.ScenarioParser;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pmult-sim}: plays a scenario against a pmilter (pmult) as MeTA1's smtps would. Exit 0 when
 * every expectation holds and no failure went unexpected, 1 otherwise, 2 for usage, config or
 * scenario errors.
 */
@Command(name = "pmult-sim", mixinStandardHelpOptions = true, versionProvider = SimCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Plays SMTP sessions against a pmilter (pmult) the way MeTA1's smtps does, prints every "
                + "reply, and checks the scenario's expectations.",
                "Exit status: 0 all expectations held, 1 an expectation failed or the pmilter failed unexpectedly, "
                        + "2 usage, configuration or scenario error."},
        footer = {"", "Also: pmult-sim load --help (load generator), pmult-sim continue-milter --help (fast test milter)."})
public final class SimCommand implements Callable<Integer> {

    /** Exit status when every expectation held. */
    public static final int EXIT_PASSED = 0;
    /** Exit status when an expectation failed or a failure rule applied where none was expected. */
    public static final int EXIT_FAILED = 1;
    /** Exit status for usage, configuration and scenario errors. */
    public static final int EXIT_USAGE = 2;

    /** Where the pmilter is: a meta1.conf, or an address. */
    static final class Target {
        @Option(names = "--meta1-config", paramLabel = "FILE", required = true,
                description = "meta1.conf (or a file holding just its policy_milter section): socket, timeout, flags.")
        Path meta1Config;

        @Option(names = "--connect", paramLabel = "ADDRESS", required = true,
                description = "pmilter address in any form pmult's listen statement takes: inet://HOST:PORT, inet:PORT@HOST, inet:HOST:PORT, unix:PATH or /PATH.")
        String connect;
    }

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--timeout", paramLabel = "TIME",
            description = "Reply timeout, MeTA1 syntax (30, 10s, 5m; also 300ms). Overrides the config's timeout. "
                    + "Default: the config's, else 30s.")
    String timeout;

    @Option(names = "--flags", paramLabel = "FLAG",
            description = "Failure rule: abort, accept_but_reconnect or none. Overrides the config's flags.")
    String flags;

    @Option(names = "--scenario", paramLabel = "FILE", required = true, description = "The sessions to play.")
    Path scenario;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
            description = "Sessions in flight at once on the connection (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Play every session N times; SEIDs become NAME.1, NAME.2, ... (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--chunk-size", paramLabel = "BYTES", defaultValue = "65536",
            description = "Bytes per MSG chunk, 1..65536 (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--connect-timeout", paramLabel = "TIME", defaultValue = "5s",
            description = "How long connecting may take (default: ${DEFAULT-VALUE}).")
    String connectTimeout;

    @Option(names = {"-q", "--quiet"}, description = "Print only failures and the summary.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Log connections, negotiation and failures to stderr.")
    boolean verbose;

    public static void main(String[] args) {
        boolean verbose = false;
        for (String arg : args) {
            verbose |= arg.equals("-v") || arg.equals("--verbose");
        }
        CliLogging.configure(verbose);
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command with the given output streams; returns the exit status. A first argument
     * {@code load} or {@code continue-milter} runs that tool instead (see {@link LoadCommand}).
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length > 0 && args[0].equals("load")) {
            return LoadCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("continue-milter")) {
            return ContinueMilterCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        CommandLine commandLine = new CommandLine(new SimCommand());
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SimulatorSettings settings;
        Scenario plays;
        RunOptions options;
        try {
            settings = settings();
            plays = ScenarioParser.parse(scenario);
            options = new RunOptions(parallel, repeat);
        } catch (Meta1ConfigException | ScenarioException | IllegalArgumentException e) {
            err.println("pmult-sim: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (!quiet) {
            out.println("pmult-sim: " + settings.policyMilter() + "; scenario " + plays.source() + ": "
                    + plays.sessions().size() + " sessions x " + options.repeat() + ", parallel " + options.parallel());
        }
        try (Meta1Simulator simulator = new Meta1Simulator(settings)) {
            SimulationReport report = simulator.run(plays, options).get();
            new ReportPrinter(out, quiet).print(report, simulator.connectionCount());
            return report.passed() ? EXIT_PASSED : EXIT_FAILED;
        } catch (IllegalArgumentException e) {
            err.println("pmult-sim: " + e.getMessage());
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("pmult-sim: interrupted");
            return EXIT_FAILED;
        } catch (ExecutionException e) {
            err.println("pmult-sim: simulator failure: " + e.getCause());
            e.getCause().printStackTrace(err);
            return EXIT_FAILED;
        }
    }

    private SimulatorSettings settings() throws Meta1ConfigException {
        Meta1PolicyMilterConfig config;
        if (target.meta1Config != null) {
            config = Meta1ConfigParser.parse(target.meta1Config);
        } else {
            SocketAddress address = SocketEndpoint.parse(target.connect).toSocketAddress();
            config = new Meta1PolicyMilterConfig(address, Meta1PolicyMilterConfig.DEFAULT_TIMEOUT,
                    FailurePolicy.TEMPFAIL, "--connect");
        }
        if (timeout != null) {
            Duration value = Meta1Interval.parse(timeout, true);
            if (value.isZero()) {
                throw new IllegalArgumentException("--timeout " + timeout + ": zero (expected: > 0)");
            }
            config = config.withTimeout(value);
        }
        if (flags != null) {
            FailurePolicy policy = FailurePolicy.fromFlagName(flags);
            if (policy == null) {
                throw new IllegalArgumentException("--flags " + flags
                        + ": unknown (expected: abort, accept_but_reconnect or none)");
            }
            config = config.withPolicy(policy);
        }
        Duration connectWithin = Meta1Interval.parse(connectTimeout, true);
        if (connectWithin.isZero()) {
            throw new IllegalArgumentException("--connect-timeout " + connectTimeout + ": zero (expected: > 0)");
        }
        return SimulatorSettings.of(config).withChunkSize(chunkSize).withConnectTimeout(connectWithin);
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SimCommand.class.getPackage().getImplementationVersion();
            return new String[] {"pmult-sim " + (version == null ? "(development build)" : version)};
        }
    }
}
