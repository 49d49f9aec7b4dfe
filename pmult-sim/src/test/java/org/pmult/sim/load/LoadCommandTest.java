package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.pmult.sim.SimCommand;
import picocli.CommandLine;

class LoadCommandTest {

    @Test
    void defaultsToOneSessionOneRecipientAndATenKibMessage() {
        LoadOptions options = parse("--mode", "pmilter", "--connect", "inet://127.0.0.1:3333");

        assertEquals(LoadMode.PMILTER, options.mode());
        assertEquals(new InetSocketAddress("127.0.0.1", 3333), options.address());
        assertEquals(1, options.sessions());
        assertEquals(1, options.connections());
        assertEquals(1, options.threads());
        assertEquals(Duration.ofSeconds(5), options.warmup());
        assertEquals(Duration.ofSeconds(15), options.duration());
        assertEquals(Duration.ofSeconds(1), options.rampUp());
        assertEquals(Duration.ZERO, options.think());
        assertFalse(options.byCount());
        assertEquals(1, options.transaction().recipients());
        assertEquals(10_240, options.transaction().message().size());
        assertEquals(65_536, options.chunkSize());
        assertEquals(Duration.ofSeconds(30), options.timeout());
    }

    @Test
    void takesEveryOption() {
        LoadOptions options = parse("--mode", "milter", "--connect", "inet:7000@127.0.0.1", "--sessions", "1000",
                "--connections", "4", "--threads", "2", "--warmup", "10s", "--duration", "1m", "--transactions", "500",
                "--ramp-up", "3s", "--think", "50ms", "--recipients", "5", "--message-size", "100K", "--chunk-size", "4096",
                "--timeout", "300ms");

        assertEquals(LoadMode.MILTER, options.mode());
        assertEquals(new InetSocketAddress("127.0.0.1", 7000), options.address());
        assertEquals(1000, options.sessions());
        assertEquals(4, options.connections());
        assertEquals(2, options.threads());
        assertEquals(Duration.ofSeconds(10), options.warmup());
        assertEquals(Duration.ofMinutes(1), options.duration());
        assertTrue(options.byCount());
        assertEquals(500, options.transactions());
        assertEquals(Duration.ofSeconds(3), options.rampUp());
        assertEquals(Duration.ofMillis(50), options.think());
        assertEquals(5, options.transaction().recipients());
        assertEquals(102_400, options.transaction().message().size());
        assertEquals(4096, options.chunkSize());
        assertEquals(Duration.ofMillis(300), options.timeout());
    }

    @Test
    void rampUpDefaultsToAShorterWarmUp() {
        assertEquals(Duration.ZERO, parse("--mode", "pmilter", "--connect", "inet://127.0.0.1:1", "--warmup", "0").rampUp());
    }

    @Test
    void refusesBadValuesWithExitStatusTwoNamingTheOption() {
        assertUsageError("--mode smtp: unknown (expected: pmilter or milter)", "--mode", "smtp", "--connect", "inet://127.0.0.1:1");
        assertUsageError("sessions: 0 (expected: 1..100000)", "--mode", "pmilter", "--connect", "inet://127.0.0.1:1",
                "--sessions", "0");
        assertUsageError("recipients: 101 (expected: 1..100)", "--mode", "pmilter", "--connect", "inet://127.0.0.1:1",
                "--recipients", "101");
        assertUsageError("--message-size: message size: 100 (expected: 512..67108864)", "--mode", "pmilter",
                "--connect", "inet://127.0.0.1:1", "--message-size", "100");
        assertUsageError("ramp-up: 5000 ms (expected: <= warmup, 1000 ms", "--mode", "pmilter", "--connect",
                "inet://127.0.0.1:1", "--warmup", "1s", "--ramp-up", "5s");
        assertUsageError("--duration: ", "--mode", "pmilter", "--connect", "inet://127.0.0.1:1", "--duration", "5x");
    }

    @Test
    void simCommandHandsTheLoadWordToTheLoadCommand() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = SimCommand.execute(new String[] {"load", "--mode", "pmilter", "--connect", "inet://127.0.0.1:1",
                "--sessions", "0"}, new PrintWriter(out), new PrintWriter(err));

        assertEquals(LoadCommand.EXIT_USAGE, status);
        assertTrue(err.toString().contains("pmult-sim load: sessions: 0"), err.toString());
    }

    private static LoadOptions parse(String... args) {
        LoadCommand command = new LoadCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    private static void assertUsageError(String expected, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = LoadCommand.execute(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(LoadCommand.EXIT_USAGE, status, err.toString());
        assertTrue(err.toString().contains(expected), "expected \"" + expected + "\" in: " + err);
    }
}
