package org.pmult.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.server.cli.PmultCommand;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.engine.SimulatorSettings;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.meta1.Meta1ConfigParser;
import org.pmult.sim.meta1.Meta1PolicyMilterConfig;
import org.pmult.sim.scenario.SessionScript;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.pmult.it.SimRuns.assertFromPmult;
import static org.pmult.it.SimRuns.dotModifications;
import static org.pmult.it.SimRuns.transcript;

/**
 * Trying a deployment the way the README tells an administrator to: pmult started from its
 * pmult.conf, {@code pmult meta1-config} printing the {@code policy_milter} section for MeTA1, and
 * the simulator reading that section in MeTA1's syntax, connecting where it says and playing a
 * session that must get the real GNU mailfromd's verdicts. pmult listens on a unix socket or on
 * TCP, and reaches mailfromd over either, in all four combinations.
 */
class Meta1SimDeploymentIT {

    private static final Map<Transport, MailfromdPeer> MAILFROMD = new EnumMap<>(Transport.class);

    @TempDir
    Path dir;

    @BeforeAll
    static void startMailfromd() {
        for (Transport kind : Transport.values()) {
            MAILFROMD.put(kind, MailfromdPeer.start(kind, "/mfl/pmult-sim.mfl"));
        }
    }

    @AfterAll
    static void stopMailfromd() {
        MAILFROMD.values().forEach(MailfromdPeer::close);
    }

    static Stream<Arguments> deployments() {
        return Stream.of(
                Arguments.of(Transport.UNIX, Transport.UNIX),
                Arguments.of(Transport.INET, Transport.INET),
                Arguments.of(Transport.UNIX, Transport.INET),
                Arguments.of(Transport.INET, Transport.UNIX));
    }

    @ParameterizedTest(name = "pmult on {0}, mailfromd on {1}")
    @MethodSource("deployments")
    void meta1ConfigPrintedByPmultLeadsTheSimulatorToRealVerdicts(Transport pmultListens, Transport mailfromdListens) {
        MailfromdPeer mailfromd = MAILFROMD.get(mailfromdListens);
        Path socket = dir.resolve("pmult.sock");
        String listen = pmultListens == Transport.UNIX ? "unix://" + socket
                : "inet://127.0.0.1:" + PmultHarness.freeLoopbackPort();
        String config = """
                listen %s;
                client mfd {
                  url %s;
                  read-timeout 10 seconds;
                }
                """.formatted(listen, mailfromd.socketSpec());
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config)) {
            Meta1PolicyMilterConfig policyMilter = meta1Config(dir.resolve("pmult.conf"));
            assertEquals(SimRuns.meta1Address(pmult), policyMilter.address());
            if (pmultListens == Transport.UNIX) {
                assertInstanceOf(UnixDomainSocketAddress.class, policyMilter.address());
            }
            assertEquals(FailurePolicy.ABORT, policyMilter.policy(), "pmult meta1-config recommends flags = { abort }");

            try (Meta1Simulator simulator = new Meta1Simulator(SimulatorSettings.of(policyMilter))) {
                SessionResult session = SimRuns.playOne(simulator, SessionScript.builder("deploy-1")
                        .client(InetAddress.getLoopbackAddress(), 40001, "client.sim.example")
                        .ehlo("client.sim.example")
                        .mail("<alice@sim.example>")
                        .rcpt("<blocked@sim.example>")
                        .rcpt("<bob@sim.example>")
                        .data()
                        .message(SimRuns.message("deployed", "Hello Bob."))
                        .dot()
                        .build());

                assertFromPmult(session, "rcpt <blocked@sim.example>", ReplyCode.REJECT,
                        "550 5.1.1 Recipient blocked@sim.example rejected by pmult-sim");
                assertFromPmult(session, "rcpt <bob@sim.example>", ReplyCode.CONTINUE, null);
                assertEquals(List.of("+header X-Pmult-Sim: passed",
                        "+header X-Pmult-Macros: i=<deploy-1> mail_addr=<alice@sim.example> rcpts=<1> subject=<deployed>"),
                        dotModifications(session), () -> transcript(session));
            }
        }
    }

    /** What {@code pmult meta1-config --config FILE} prints, read back as MeTA1 would read it. */
    private static Meta1PolicyMilterConfig meta1Config(Path pmultConf) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = new CommandLine(new PmultCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("meta1-config", "--config", pmultConf.toString());
        assertEquals(PmultCommand.EXIT_OK, status, err::toString);
        try {
            return Meta1ConfigParser.parse("pmult meta1-config", out.toString());
        } catch (org.pmult.sim.meta1.Meta1ConfigException e) {
            throw new AssertionError("pmult meta1-config printed what MeTA1's syntax does not allow:\n" + out, e);
        }
    }
}
