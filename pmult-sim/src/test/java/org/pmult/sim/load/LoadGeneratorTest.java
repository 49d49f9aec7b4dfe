package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.server.PmultServer;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.transport.Transports;

/** Small real runs: a few sessions through an in-process pmult, and straight to a milter. */
class LoadGeneratorTest {

    private static final int RECIPIENTS = 3;
    /** Commands the milter answers per transaction: connect, helo, mail, rcpts, data, 7 headers, eoh, body, eom. */
    private static final int ANSWERED_PER_TRANSACTION = 3 + RECIPIENTS + 1 + 7 + 1 + 1 + 1;

    private final Transports transport = Transports.best();
    private final EventLoopGroup milterLoops = transport.newEventLoopGroup(1, new DefaultThreadFactory("test-milter", true));

    @TempDir
    Path directory;

    @AfterEach
    void stopLoops() {
        milterLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void runsTheCountedTransactionsThroughPmultAndTheMilterSeesEveryOneStarted() throws Exception {
        try (ScriptedMilter milter = ScriptedMilter.builder()
                .start(transport.serverBootstrap(milterLoops, milterLoops, loopback(0)), loopback(0));
             PmultServer pmult = startPmult(milter.localAddress())) {

            LoadReport report = LoadGenerator.run(options(LoadMode.PMILTER, pmult.boundAddresses().get(0), 2), Map.of());

            assertEquals(20, report.measured());
            assertEquals(0, report.errorCount(), report.errors().toString());
            assertEquals(0, report.unfinished());
            assertTrue(report.started() >= 20, "started " + report.started());
            // every transaction started ran to its end (the run drains), each on its own Milter session
            assertEquals(report.started(), milter.received(Command.MAIL).size());
            assertEquals(report.started() * RECIPIENTS, milter.received(Command.RCPT).size());
            assertEquals(report.started(), milter.received(Command.BODYEOB).size());
            assertTrue(report.latencyMicros(50) > 0);
        }
    }

    @Test
    void runsTheSameTransactionsStraightToTheMilterOnAConnectionEach() throws Exception {
        try (ContinueMilter milter = ContinueMilter.start(transport, milterLoops, loopback(0),
                ContinueMilter.MAILFROMD_MACRO_LISTS)) {

            LoadReport report = LoadGenerator.run(options(LoadMode.MILTER, milter.localAddress(), 1), Map.of());

            assertEquals(20, report.measured());
            assertEquals(0, report.errorCount(), report.errors().toString());
            assertEquals(report.started(), milter.connections());
            assertEquals(report.started() * ANSWERED_PER_TRANSACTION, milter.answered());
        }
    }

    @Test
    void aMilterNegotiatingNoReplyIsAnsweredOnlyAtEndOfMessageInBothModes() throws Exception {
        try (ContinueMilter milter = ContinueMilter.start(transport, milterLoops, loopback(0),
                ContinueMilter.MAILFROMD_MACRO_LISTS, ContinueMilter.DEFAULT_BACKLOG, true);
             PmultServer pmult = startPmult(milter.localAddress())) {

            LoadReport direct = LoadGenerator.run(options(LoadMode.MILTER, milter.localAddress(), 1), Map.of());
            assertEquals(20, direct.measured());
            assertEquals(0, direct.errorCount(), direct.errors().toString());
            // nothing waited for a reply that never comes: only end of message is answered
            assertEquals(direct.started(), milter.answered());

            LoadReport through = LoadGenerator.run(options(LoadMode.PMILTER, pmult.boundAddresses().get(0), 2), Map.of());
            assertEquals(20, through.measured());
            assertEquals(0, through.errorCount(), through.errors().toString());
            assertEquals(direct.started() + through.started(), milter.answered());
        }
    }

    @Test
    void pausesBetweenCommandsWithThinkTimeInBothModes() throws Exception {
        try (ContinueMilter milter = ContinueMilter.start(transport, milterLoops, loopback(0), Map.of());
             PmultServer pmult = startPmult(milter.localAddress())) {

            LoadReport direct = LoadGenerator.run(options(LoadMode.MILTER, milter.localAddress(), 1,
                    Duration.ofMillis(1)), Map.of());
            LoadReport through = LoadGenerator.run(options(LoadMode.PMILTER, pmult.boundAddresses().get(0), 1,
                    Duration.ofMillis(1)), Map.of());

            assertEquals(20, direct.measured());
            assertEquals(20, through.measured());
            assertEquals(0, direct.errorCount() + through.errorCount());
        }
    }

    @Test
    void anAcceptAtEndOfMessageIsASuccessInBothModes() throws Exception {
        // rspamd answers end of message with SMFIR_ACCEPT (plus its headers), not CONTINUE
        try (ScriptedMilter milter = ScriptedMilter.builder()
                .on(Command.BODYEOB, (command, connection) -> org.pmult.milter.testing.MilterScriptResponse.reply(
                        org.pmult.milter.codec.MilterReply.ACCEPT))
                .start(transport.serverBootstrap(milterLoops, milterLoops, loopback(0)), loopback(0));
             PmultServer pmult = startPmult(milter.localAddress())) {

            LoadReport direct = LoadGenerator.run(options(LoadMode.MILTER, milter.localAddress(), 1), Map.of());
            LoadReport through = LoadGenerator.run(options(LoadMode.PMILTER, pmult.boundAddresses().get(0), 1), Map.of());

            assertEquals(0, direct.errorCount(), direct.errors().toString());
            assertEquals(0, through.errorCount(), through.errors().toString());
            assertEquals(40, direct.measured() + through.measured());
        }
    }

    @Test
    void countsWhatTheMilterRefusesAsErrorsByKind() throws Exception {
        try (ScriptedMilter milter = ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> org.pmult.milter.testing.MilterScriptResponse.reply(
                        org.pmult.milter.codec.MilterReply.TEMPFAIL))
                .start(transport.serverBootstrap(milterLoops, milterLoops, loopback(0)), loopback(0))) {

            LoadOptions options = new LoadOptions(LoadMode.MILTER, milter.localAddress(), 2, 1, 1, Duration.ZERO,
                    Duration.ofSeconds(20), 10, Duration.ZERO, Duration.ZERO,
                    new LoadTransaction(RECIPIENTS, LoadMessage.ofSize(1024)), 65_536, Duration.ofSeconds(10));
            LoadReport report = LoadGenerator.run(options, Map.of());

            assertEquals(0, report.measured());
            assertEquals(Map.of("rcpt TEMPFAIL", 10L), report.errors());
            // the first refused recipient ends each transaction
            assertEquals(report.started(), milter.received(Command.RCPT).size());
        }
    }

    private static LoadOptions options(LoadMode mode, SocketAddress address, int connections) {
        return options(mode, address, connections, Duration.ZERO);
    }

    private static LoadOptions options(LoadMode mode, SocketAddress address, int connections, Duration think) {
        return new LoadOptions(mode, address, 3, connections, 1, Duration.ZERO, Duration.ofSeconds(20), 20,
                Duration.ZERO, think, new LoadTransaction(RECIPIENTS, LoadMessage.ofSize(10_240)), 4096, Duration.ofSeconds(10));
    }

    private PmultServer startPmult(SocketAddress milter) throws IOException {
        InetSocketAddress milterInet = (InetSocketAddress) milter;
        Path config = directory.resolve("pmult.conf");
        Files.writeString(config, "listen inet://127.0.0.1:" + freeLoopbackPort() + ";\n"
                + "client test { url inet://127.0.0.1:" + milterInet.getPort() + "; }\n");
        return PmultServer.start(ConfigLoader.read(config).config(), new PmultMetrics(new SimpleMeterRegistry()),
                transport);
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** A loopback port free right now (pmult's listen statement takes no port 0). */
    private static int freeLoopbackPort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
