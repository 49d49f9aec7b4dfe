package org.pmult.sim.load;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.PrintWriter;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.transport.Transports;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pmult-sim continue-milter}: runs {@link ContinueMilter} until the process is stopped
 * (SIGTERM or SIGINT), for benchmarks that want the milter in a JVM of its own.
 */
@Command(name = "pmult-sim continue-milter", sortOptions = false, usageHelpAutoWidth = true,
        mixinStandardHelpOptions = true, versionProvider = LoadCommand.Version.class,
        description = "A Milter filter that answers CONTINUE to everything with minimal work; the fast milter of the benchmarks.")
public final class ContinueMilterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "ADDRESS", required = true,
            description = "Where to listen, in any form pmult's listen takes (inet://127.0.0.1:7000, unix:/tmp/m.sock).")
    String listen;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Event-loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--no-macro-lists",
            description = "Ask for no macros at negotiation (by default it asks for what mailfromd's test filter asks for).")
    boolean noMacroLists;

    @Option(names = "--no-reply",
            description = "Negotiate no reply (SMFIP_NR_*) for every stage before end of message the client offers, as rspamd does, and answer only the rest.")
    boolean noReply;

    private final CountDownLatch stopped = new CountDownLatch(1);

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new ContinueMilterCommand());
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SocketAddress address;
        try {
            address = SocketEndpoint.parse(listen).toSocketAddress();
            if (threads < 1 || threads > LoadOptions.MAX_THREADS) {
                throw new IllegalArgumentException("--threads: " + threads + " (expected: 1.." + LoadOptions.MAX_THREADS + ")");
            }
        } catch (IllegalArgumentException e) {
            err.println("pmult-sim continue-milter: " + e.getMessage());
            return LoadCommand.EXIT_USAGE;
        }
        Transports transport = Transports.best();
        EventLoopGroup group = transport.newEventLoopGroup(threads, new DefaultThreadFactory("continue-milter", true));
        ContinueMilter milter;
        try {
            milter = ContinueMilter.start(transport, group, address,
                    noMacroLists ? Map.of() : ContinueMilter.MAILFROMD_MACRO_LISTS, ContinueMilter.DEFAULT_BACKLOG, noReply);
        } catch (RuntimeException e) {
            err.println("pmult-sim continue-milter: cannot listen on " + listen + ": " + e.getMessage());
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            return LoadCommand.EXIT_ERRORS;
        }
        out.println("continue milter listening on " + milter.localAddress() + " (" + threads + " thread(s), "
                + transport.name().toLowerCase(java.util.Locale.ROOT) + (noReply ? ", no reply before end of message" : "")
                + ")");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("continue milter: " + milter.connections() + " connections, " + milter.answered()
                    + " commands answered");
            out.flush();
            milter.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            stopped.countDown();
        }, "continue-milter-stop"));
        stopped.await();
        return LoadCommand.EXIT_OK;
    }
}
