package org.pmult.it;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.ReplySource;
import org.pmult.sim.engine.SessionEnd;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.SessionScript;
import org.pmult.server.transport.Transports;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.it.SimRuns.assertFromPmult;
import static org.pmult.it.SimRuns.dotModifications;
import static org.pmult.it.SimRuns.transcript;

/**
 * Verdicts as MeTA1 sees them: the simulator (smtps's policy_milter client) plays SMTP sessions
 * into pmult, which asks the real GNU mailfromd running {@code mfl/pmult-sim.mfl}. Every refusal
 * must arrive with mailfromd's own reply text at the stage mailfromd gave it; with a second,
 * scripted milter the verdicts are combined in client order.
 */
class Meta1SimVerdictsIT {

    private static final String FILTER = "/mfl/pmult-sim.mfl";
    private static final Duration SIM_TIMEOUT = Duration.ofSeconds(20);

    private static MailfromdPeer mailfromd;
    private static EventLoopGroup scriptedLoops;

    @TempDir
    Path dir;

    @BeforeAll
    static void startMailfromd() {
        mailfromd = MailfromdPeer.start(Transport.INET, FILTER);
        scriptedLoops = Transports.best().newEventLoopGroup(1, new DefaultThreadFactory("it-scripted", true));
    }

    @AfterAll
    static void stopMailfromd() {
        Teardown.closeInOrder(mailfromd, scriptedLoops == null ? null
                : () -> scriptedLoops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly());
    }

    /** One session per case: what the scenario sends, the command whose verdict counts, and that verdict. */
    static Stream<Arguments> everyStage() {
        return Stream.of(
                Arguments.of("connect", base("connect-reject").client("192.0.2.66").build(),
                        "connect 192.0.2.66:40001 client.sim.example", ReplyCode.REJECT,
                        "550 5.7.1 Client 192.0.2.66 refused by pmult-sim"),
                Arguments.of("ehlo", base("ehlo-reject").ehlo("reject.helo.sim").build(),
                        "ehlo reject.helo.sim", ReplyCode.REJECT, "550 5.7.1 HELO reject.helo.sim refused by pmult-sim"),
                Arguments.of("mail reject", base("mail-reject").ehlo().mail("<reject@sim.example>").build(),
                        "mail <reject@sim.example>", ReplyCode.REJECT, "550 5.7.1 Sender reject@sim.example refused by pmult-sim"),
                Arguments.of("mail tempfail", base("mail-tempfail").ehlo().mail("<tempfail@sim.example>").build(),
                        "mail <tempfail@sim.example>", ReplyCode.TEMPFAIL,
                        "451 4.7.1 Sender tempfail@sim.example: try again later (pmult-sim)"),
                Arguments.of("mail accept", base("mail-accept").ehlo().mail("<trusted@sim.example>").build(),
                        "mail <trusted@sim.example>", ReplyCode.ACCEPT, null),
                Arguments.of("mail discard", base("mail-discard").ehlo().mail("<discard@sim.example>").build(),
                        "mail <discard@sim.example>", ReplyCode.DISCARD, null),
                Arguments.of("rcpt reject", base("rcpt-reject").ehlo().mail().rcpt("<blocked@sim.example>").build(),
                        "rcpt <blocked@sim.example>", ReplyCode.REJECT,
                        "550 5.1.1 Recipient blocked@sim.example rejected by pmult-sim"),
                Arguments.of("rcpt tempfail", base("rcpt-tempfail").ehlo().mail().rcpt("<greylist@sim.example>").build(),
                        "rcpt <greylist@sim.example>", ReplyCode.TEMPFAIL,
                        "451 4.7.1 Recipient greylist@sim.example greylisted by pmult-sim"),
                Arguments.of("rcpt shutdown", base("rcpt-shutdown").ehlo().mail().rcpt("<shutdown@sim.example>")
                        .rcpt().build(), "rcpt <shutdown@sim.example>", ReplyCode.SHUTDOWN,
                        "421 4.3.2 Service shutting down (pmult-sim)"),
                Arguments.of("data reject", base("data-reject").ehlo().mail("<nodata@sim.example>").rcpt().data().build(),
                        "data", ReplyCode.REJECT, "550 5.7.1 No DATA from nodata@sim.example (pmult-sim)"),
                Arguments.of("message reject", base("msg-reject").ehlo().mail().rcpt().data().message("MSGREJECT").build(),
                        "message", ReplyCode.REJECT, "550 5.7.2 Header refused by pmult-sim"),
                Arguments.of("dot reject", base("dot-reject").ehlo().mail().rcpt().data().message("EOMREJECT").dot().build(),
                        "dot", ReplyCode.REJECT, "550 5.7.0 Message rejected at end of message by pmult-sim"),
                Arguments.of("dot tempfail", base("dot-tempfail").ehlo().mail().rcpt().data().message("EOMTEMPFAIL").dot()
                        .build(), "dot", ReplyCode.TEMPFAIL, "451 4.7.0 Message deferred at end of message by pmult-sim"),
                Arguments.of("dot discard", base("dot-discard").ehlo().mail().rcpt().data().message("EOMDISCARD").dot()
                        .build(), "dot", ReplyCode.DISCARD, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyStage")
    void meta1GetsMailfromdsVerdictAtEveryStage(String stage, SessionScript script, String request, ReplyCode code,
                                               String text) {
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", mfdOnlyConfig());
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            SessionResult session = SimRuns.playOne(simulator, script);

            if (request.equals("message")) {
                assertEquals(ReplyCode.REJECT, session.first(PmilterCodes.Command.MSG).code(), () -> transcript(session));
                assertEquals(text, session.first(PmilterCodes.Command.MSG).text(), () -> transcript(session));
            } else {
                assertFromPmult(session, request, code, text);
            }
            assertTrue(session.synthesized().isEmpty(), () -> transcript(session));
            SessionEnd end = switch (code) {
                case SHUTDOWN -> SessionEnd.SHUTDOWN;
                default -> stage.equals("connect") ? SessionEnd.REFUSED_AT_CONNECT : SessionEnd.COMPLETED;
            };
            assertEquals(end, session.end(), () -> transcript(session));
        }
    }

    @Test
    void messageThatPassesGetsMailfromdsHeadersCarryingItsOwnSessionId() {
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", mfdOnlyConfig());
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            SessionResult session = SimRuns.playOne(simulator, base("passes").ehlo().mail().rcpt().data()
                    .message("hello").dot().build());

            assertFromPmult(session, "dot", ReplyCode.CONTINUE, null);
            assertEquals(List.of("+header X-Pmult-Sim: passed",
                    "+header X-Pmult-Macros: i=<passes> mail_addr=<alice@sim.example> rcpts=<1> subject=<hello>"),
                    dotModifications(session), () -> transcript(session));
        }
    }

    @Test
    void recipientsOfOneTransactionEachGetTheirOwnVerdict() {
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", mfdOnlyConfig());
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            SessionResult session = SimRuns.playOne(simulator, base("many-rcpts").ehlo().mail()
                    .rcpt("<bob@sim.example>")
                    .rcpt("<blocked@sim.example>")
                    .rcpt("<greylist@sim.example>")
                    .rcpt("<no-carol@sim.example>")
                    .rcpt("<dave@sim.example>")
                    .data().message("five recipients").dot().build());

            assertFromPmult(session, "rcpt <bob@sim.example>", ReplyCode.CONTINUE, null);
            assertFromPmult(session, "rcpt <blocked@sim.example>", ReplyCode.REJECT,
                    "550 5.1.1 Recipient blocked@sim.example rejected by pmult-sim");
            assertFromPmult(session, "rcpt <greylist@sim.example>", ReplyCode.TEMPFAIL,
                    "451 4.7.1 Recipient greylist@sim.example greylisted by pmult-sim");
            assertFromPmult(session, "rcpt <no-carol@sim.example>", ReplyCode.REJECT,
                    "550 5.1.1 Recipient <no-carol@sim.example> refused by rule (pmult-sim)");
            assertFromPmult(session, "rcpt <dave@sim.example>", ReplyCode.CONTINUE, null);
            assertFromPmult(session, "data", ReplyCode.CONTINUE, null);
            // mailfromd counted the two recipients it let through: the refusals did not end the transaction
            assertEquals("+header X-Pmult-Macros: i=<many-rcpts> mail_addr=<alice@sim.example> rcpts=<2>"
                    + " subject=<five recipients>", dotModifications(session).get(1), () -> transcript(session));
        }
    }

    @Test
    void twoClientsCombineInClientOrderAndBothAddHeaders() {
        ScriptedMilter scripted = ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> switch (((MilterCommand.Rcpt) command).recipient()) {
                    case "<scripted-block@sim.example>", "<greylist@sim.example>" ->
                            MilterScriptResponse.reply(new MilterReply.ReplyCode("550 5.7.9 Refused by the scripted milter"));
                    default -> MilterScriptResponse.reply(MilterReply.CONTINUE);
                })
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.AddHeader("X-Scripted", "seen"), MilterReply.CONTINUE))
                .start(Transports.best().serverBootstrap(scriptedLoops, scriptedLoops, new InetSocketAddress(0)),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        String config = mfdOnlyConfig() + """
                client scripted {
                  url inet:%d@127.0.0.1;
                  read-timeout 10 seconds;
                }
                """.formatted(((InetSocketAddress) scripted.localAddress()).getPort());
        try (scripted;
             PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config);
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            SessionResult both = SimRuns.playOne(simulator, base("two-clients").ehlo().mail()
                    .rcpt("<blocked@sim.example>")
                    .rcpt("<scripted-block@sim.example>")
                    .rcpt("<greylist@sim.example>")
                    .rcpt("<bob@sim.example>")
                    .data().message("two milters").dot().build());
            SessionResult trusted = SimRuns.playOne(simulator, base("accepted-by-mfd").ehlo()
                    .mail("<trusted@sim.example>")
                    .rcpt("<blocked@sim.example>")
                    .rcpt("<scripted-block@sim.example>")
                    .rcpt("<bob@sim.example>")
                    .data().message("mailfromd accepted").dot().build());

            // mailfromd is the first client: its refusals win, the scripted milter's count where mailfromd goes on
            assertFromPmult(both, "rcpt <blocked@sim.example>", ReplyCode.REJECT,
                    "550 5.1.1 Recipient blocked@sim.example rejected by pmult-sim");
            assertFromPmult(both, "rcpt <scripted-block@sim.example>", ReplyCode.REJECT,
                    "550 5.7.9 Refused by the scripted milter");
            assertFromPmult(both, "rcpt <greylist@sim.example>", ReplyCode.TEMPFAIL,
                    "451 4.7.1 Recipient greylist@sim.example greylisted by pmult-sim");
            assertFromPmult(both, "rcpt <bob@sim.example>", ReplyCode.CONTINUE, null);
            assertEquals(List.of("+header X-Pmult-Sim: passed",
                    "+header X-Pmult-Macros: i=<two-clients> mail_addr=<alice@sim.example> rcpts=<2> subject=<two milters>",
                    "+header X-Scripted: seen"), dotModifications(both), () -> transcript(both));

            // mailfromd's accept releases only mailfromd: the scripted milter still refuses and still adds its header
            assertFromPmult(trusted, "mail <trusted@sim.example>", ReplyCode.CONTINUE, null);
            assertFromPmult(trusted, "rcpt <blocked@sim.example>", ReplyCode.CONTINUE, null);
            assertFromPmult(trusted, "rcpt <scripted-block@sim.example>", ReplyCode.REJECT,
                    "550 5.7.9 Refused by the scripted milter");
            assertEquals(List.of("+header X-Scripted: seen"), dotModifications(trusted), () -> transcript(trusted));
            assertEquals(ReplySource.PMILTER, trusted.byRequest("dot").source(), () -> transcript(trusted));
        }
    }

    /** pmult with the settings of docs/examples/with-mailfromd.conf, before the mailfromd started here. */
    private static String mfdOnlyConfig() {
        return Examples.load("with-mailfromd.conf", java.util.Map.of(
                "inet://127.0.0.1:3333", Examples.freeListen(),
                "inet:8898@127.0.0.1", mailfromd.socketSpec()));
    }

    /** A session script with this test's defaults: client 198.51.100.7:40001, sender alice, recipient bob. */
    private static Script base(String name) {
        return new Script(name);
    }

    /** A thin builder over {@link SessionScript.Builder} with the defaults the cases share. */
    private static final class Script {
        private final String name;
        private String clientAddress = "198.51.100.7";
        private SessionScript.Builder builder;

        Script(String name) {
            this.name = name;
        }

        Script client(String address) {
            clientAddress = address;
            return this;
        }

        private SessionScript.Builder builder() {
            if (builder == null) {
                try {
                    builder = SessionScript.builder(name)
                            .client(InetAddress.getByName(clientAddress), 40001, "client.sim.example");
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalArgumentException(clientAddress, e);
                }
            }
            return builder;
        }

        Script ehlo() {
            return ehlo("client.sim.example");
        }

        Script ehlo(String argument) {
            builder().ehlo(argument);
            return this;
        }

        Script mail() {
            return mail("<alice@sim.example>");
        }

        Script mail(String sender) {
            builder().mail(sender);
            return this;
        }

        Script rcpt() {
            return rcpt("<bob@sim.example>");
        }

        Script rcpt(String recipient) {
            builder().rcpt(recipient);
            return this;
        }

        Script data() {
            builder().data();
            return this;
        }

        Script message(String subject) {
            builder().message(SimRuns.message(subject, "Hello Bob."));
            return this;
        }

        Script dot() {
            builder().dot();
            return this;
        }

        SessionScript build() {
            return builder().build();
        }
    }
}
