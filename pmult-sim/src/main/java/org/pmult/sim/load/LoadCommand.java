package org.pmult.sim.load;

import java.io.PrintWriter;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.sim.meta1.Meta1Interval;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pmult-sim load}: a closed-loop load generator. Exit 0 when transactions were measured and
 * none failed, 1 when any failed or none completed, 2 for usage errors.
 */
@Command(name = "pmult-sim load", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        versionProvider = LoadCommand.Version.class,
        description = {"Keeps N SMTP sessions in flight, each running one whole transaction (connect, ehlo, mail, "
                + "rcpts, a message, end of message, close) and then the next, and reports transactions per second "
                + "and the latency distribution.",
                "--mode pmilter talks to pmult as MeTA1's smtps does; --mode milter talks Milter straight to the "
                        + "milter, one connection per session, for the baseline."})
public final class LoadCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_ERRORS = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--mode", paramLabel = "pmilter|milter", required = true,
            description = "pmilter: through pmult; milter: straight to the milter (baseline).")
    String mode;

    @Option(names = "--connect", paramLabel = "ADDRESS", required = true,
            description = "pmult's (pmilter mode) or the milter's (milter mode) address, in any form pmult's listen takes.")
    String connect;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "1",
            description = "Sessions in flight at once, 1..100000 (default: ${DEFAULT-VALUE}).")
    int sessions;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "1",
            description = "pmilter connections the sessions share, as smtps has a few (pmilter mode; default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Event-loop threads of the generator (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "5s",
            description = "Run this long before measuring (default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "15s",
            description = "Measure this long; with --transactions, at most this long (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--transactions", paramLabel = "N", defaultValue = "0",
            description = "Measure until this many transactions have ended, successfully or not (default: by duration).")
    long transactions;

    @Option(names = "--ramp-up", paramLabel = "TIME",
            description = "Start the sessions spread over this time, at most the warm-up (default: 1s or the warm-up if shorter).")
    String rampUp;

    @Option(names = "--think", paramLabel = "TIME", defaultValue = "0",
            description = "The SMTP client's pause after each SMTP command (connect, ehlo, mail, rcpt, data), so many "
                    + "sessions stay open without saturating; latency excludes it (default: none).")
    String think;

    @Option(names = "--recipients", paramLabel = "N", defaultValue = "1",
            description = "RCPTs per transaction, 1..100 (default: ${DEFAULT-VALUE}).")
    int recipients;

    @Option(names = "--message-size", paramLabel = "BYTES", defaultValue = "10K",
            description = "Message size, headers included: 10240, 10K, 1M (default: ${DEFAULT-VALUE}).")
    String messageSize;

    @Option(names = "--chunk-size", paramLabel = "BYTES", defaultValue = "65536",
            description = "Bytes per pmilter MSG chunk, 1..65536 (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "30s",
            description = "Longest wait for one reply (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--watch", paramLabel = "NAME=PID",
            description = "Also report CPU per transaction, threads and memory of this process (Linux; repeatable).")
    Map<String, Long> watch = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command with the given output streams; returns the exit status. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new LoadCommand());
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            err.println("pmult-sim load: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            LoadReport report = LoadGenerator.run(options, watch);
            report.print(out);
            out.println(report.resultLine());
            out.flush();
            return report.errorCount() == 0 && report.measured() > 0 ? EXIT_OK : EXIT_ERRORS;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("pmult-sim load: interrupted");
            return EXIT_ERRORS;
        }
    }

    /** The validated options; every problem is an {@link IllegalArgumentException} naming the option. */
    LoadOptions options() {
        LoadMode loadMode = LoadMode.fromWord(mode);
        if (loadMode == null) {
            throw new IllegalArgumentException("--mode " + mode + ": unknown (expected: pmilter or milter)");
        }
        SocketAddress address = SocketEndpoint.parse(connect).toSocketAddress();
        Duration warm = time("--warmup", warmup);
        Duration ramp = rampUp != null ? time("--ramp-up", rampUp)
                : (warm.compareTo(Duration.ofSeconds(1)) < 0 ? warm : Duration.ofSeconds(1));
        LoadMessage message;
        try {
            message = LoadMessage.ofSize(SizeParser.parse(messageSize));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--message-size: " + e.getMessage());
        }
        return new LoadOptions(loadMode, address, sessions, connections, threads, warm, time("--duration", duration),
                transactions, ramp, time("--think", think), new LoadTransaction(recipients, message), chunkSize, time("--timeout", timeout));
    }

    private static Duration time(String option, String text) {
        try {
            return Meta1Interval.parse(text, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = LoadCommand.class.getPackage().getImplementationVersion();
            return new String[] {"pmult-sim load " + (version == null ? "(development build)" : version)};
        }
    }
}
