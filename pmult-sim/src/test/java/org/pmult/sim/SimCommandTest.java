package org.pmult.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.sim.testing.Reaction;
import org.pmult.sim.testing.ScriptedPmilter;
import org.pmult.sim.testing.Simulators;

/** The command line: what it prints and its exit status. */
class SimCommandTest {

    private static final String SCENARIO = """
            session S1 client 192.0.2.10 port 40001 name mx.example.org
              ehlo mail.example.org
              mail <alice@example.com> SIZE=100
              rcpt <bob@example.net>
              rcpt <blocked@example.net>
              expect reject 550 5.1.1*
              data
              message
            Subject: hi

            hello
            .
              dot
              expect modification +header X-Foo: bar
            """;

    @TempDir
    Path directory;

    @BeforeAll
    static void warmUp() throws Exception {
        Simulators.warmUp();
    }

    private ScriptedPmilter pmilter;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        pmilter = ScriptedPmilter.startInet()
                .on(Command.RCPT, "<blocked@example.net>", Reaction.reply(ReplyCode.REJECT, "550 5.1.1 No such user"))
                .on(Command.DOT, Reaction.continueWith(new PmilterModification.AddHeader("X-Foo", " bar")));
    }

    @AfterEach
    void stop() {
        pmilter.close();
    }

    private int run(String... args) {
        return SimCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(directory.resolve(name), text);
    }

    private String connect() {
        return "inet://127.0.0.1:" + ((InetSocketAddress) pmilter.address()).getPort();
    }

    @Test
    void printsEveryReplyAndExitsZeroWhenExpectationsHold() throws Exception {
        Path scenario = write("ok.scenario", SCENARIO);

        assertEquals(SimCommand.EXIT_PASSED, run("--connect", connect(), "--scenario", scenario.toString()), err::toString);

        String printed = out.toString();
        assertTrue(printed.contains("S1 connect 192.0.2.10:40001 mx.example.org -> CONTINUE\n"), printed);
        assertTrue(printed.contains("S1 rcpt <blocked@example.net> -> REJECT 550 5.1.1 No such user\n"), printed);
        assertTrue(printed.contains("S1 dot -> CONTINUE\nS1     +header X-Foo: bar\n"), printed);
        assertTrue(printed.contains("2 expectations, 0 failed; 1 pmilter connection attempt(s)"), printed);
        assertTrue(printed.trim().endsWith("PASS"), printed);
    }

    @Test
    void readsTheAddressTimeoutAndFlagsFromAMeta1Config() throws Exception {
        Path config = write("meta1.conf", "smtps { policy_milter { socket { type = inet; address = 127.0.0.1; port = "
                + ((InetSocketAddress) pmilter.address()).getPort() + "; }; timeout = 5s; flags = { abort }; }; };");
        Path scenario = write("ok.scenario", SCENARIO);

        assertEquals(SimCommand.EXIT_PASSED, run("--meta1-config", config.toString(), "--scenario", scenario.toString()));

        assertTrue(out.toString().startsWith("pmult-sim: policy_milter inet:127.0.0.1:" + ((InetSocketAddress)
                pmilter.address()).getPort() + " timeout 5s flags abort (" + config + ":1)"), out::toString);
    }

    @Test
    void exitsOneWhenAnExpectationFails() throws Exception {
        Path scenario = write("bad.scenario", SCENARIO.replace("expect reject 550 5.1.1*", "expect continue"));

        assertEquals(SimCommand.EXIT_FAILED, run("--connect", connect(), "--scenario", scenario.toString(), "--quiet"));

        String printed = out.toString();
        assertTrue(printed.contains("S1 line 6: expect continue: FAILED, got REJECT 550 5.1.1 No such user (pmilter)"),
                printed);
        assertTrue(printed.trim().endsWith("FAIL"), printed);
        assertTrue(!printed.contains("S1 ehlo"), "quiet prints failures only: " + printed);
    }

    @Test
    void exitsOneWhenThePmilterFailsUnexpectedly() throws Exception {
        pmilter.on(Command.EHLO, Reaction.hang());
        Path scenario = write("hang.scenario", "session S1\n  ehlo x\n  mail <a@b>\n");

        assertEquals(SimCommand.EXIT_FAILED, run("--connect", connect(), "--scenario", scenario.toString(),
                "--timeout", "500ms", "--flags", "accept_but_reconnect"));

        String printed = out.toString();
        assertTrue(printed.contains("S1 ehlo x -> CONTINUE (policy_milter failure rule after TIMEOUT: "), printed);
        assertTrue(printed.contains("[UNEXPECTED FAILURE]"), printed);
        assertTrue(printed.contains("S1 mail <a@b> -> CONTINUE (unfiltered after a failure: not sent)"), printed);
    }

    @Test
    void exitsZeroWhenTheFailureWasExpected() throws Exception {
        pmilter.on(Command.EHLO, Reaction.hang());
        Path scenario = write("hang.scenario", "session S1\n  ehlo x\n  expect shutdown 421 4.3.0*\n");

        assertEquals(SimCommand.EXIT_PASSED, run("--connect", connect(), "--scenario", scenario.toString(),
                "--timeout", "500ms", "--flags", "abort"));

        assertTrue(out.toString().contains("S1 session ended: policy_milter failure with flags abort"), out::toString);
    }

    @Test
    void exitsTwoOnUsageConfigAndScenarioErrors() throws Exception {
        Path scenario = write("ok.scenario", SCENARIO);
        Path badConfig = write("meta1.conf", "policy_milter { socket { type = tcp; }; };");
        Path badScenario = write("bad.scenario", "session S1\n  rcpt <a@b>\n");

        assertEquals(SimCommand.EXIT_USAGE, run("--scenario", scenario.toString()));
        assertEquals(SimCommand.EXIT_USAGE, run("--connect", connect(), "--meta1-config", badConfig.toString(),
                "--scenario", scenario.toString()));
        assertEquals(SimCommand.EXIT_USAGE, run("--meta1-config", badConfig.toString(), "--scenario", scenario.toString()));
        assertTrue(err.toString().contains(badConfig + ":1: policy_milter.socket.type: unknown type \"tcp\""), err::toString);
        assertEquals(SimCommand.EXIT_USAGE, run("--connect", connect(), "--scenario", badScenario.toString()));
        assertTrue(err.toString().contains(badScenario + ":2: rcpt outside a transaction"), err::toString);
        assertEquals(SimCommand.EXIT_USAGE, run("--connect", "nowhere", "--scenario", scenario.toString()));
        assertEquals(SimCommand.EXIT_USAGE, run("--connect", connect(), "--scenario", scenario.toString(),
                "--flags", "sometimes"));
        assertEquals(SimCommand.EXIT_USAGE, run("--connect", connect(), "--scenario", scenario.toString(),
                "--chunk-size", "0"));
        assertEquals(SimCommand.EXIT_USAGE, run("--connect", connect(), "--scenario", scenario.toString(),
                "--parallel", "0"));
        assertTrue(pmilter.received().isEmpty(), "nothing is played when the command line is wrong");
    }

    @Test
    void runsSessionsInParallelAndRepeats() throws Exception {
        Path scenario = write("ok.scenario", SCENARIO);

        assertEquals(SimCommand.EXIT_PASSED, run("--connect", connect(), "--scenario", scenario.toString(),
                "--parallel", "4", "--repeat", "8", "--chunk-size", "4", "-q"));

        assertTrue(out.toString().startsWith("summary: 8 sessions, 64 commands"), out::toString);
        assertEquals("Subject: hi\r\n\r\nhello\r\n", pmilter.message("S1.8"));
    }
}
