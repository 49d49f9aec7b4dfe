package org.pmult.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.sim.testing.Simulators.run;
import static org.pmult.sim.testing.Simulators.scenario;
import static org.pmult.sim.testing.Simulators.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.testing.Reaction;
import org.pmult.sim.testing.Received;
import org.pmult.sim.testing.ScriptedPmilter;

class SimulatorNegotiationTest {

    private static final String SESSION = """
            macro hostname mx.local
            session S1 client 192.0.2.10 port 40001
              ehlo client.example
              macro taid T1
              macro msgid M1
              mail <a@example.com>
              rcpt <b@example.net>
              data
              message
            Subject: x

            body
            .
              dot
              unknown VRFY b
            """;

    @Test
    void offersEveryStageAndModificationWithoutSessionLimit() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            run(simulator, scenario(SESSION));

            assertEquals(1, pmilter.negotiations().size());
            assertEquals(PmilterCodes.ALL_MASK, pmilter.negotiations().get(0).caps());
            assertEquals(0, pmilter.negotiations().get(0).maxSessions());
        }
    }

    @Test
    void sendsOnlyTheStagesThePmilterAskedFor() throws Exception {
        int caps = Capability.mask(Capability.CONNECT, Capability.MAIL, Capability.RCPT, Capability.DOT);
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .negotiate(new PmilterResponse.NegotiateReply(caps, 0));
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, scenario(SESSION));

            assertEquals(List.of(Command.CONNECT, Command.MAIL, Command.RCPT, Command.DOT), pmilter.commands("S1"));
            SessionResult s1 = report.session("S1");
            for (Command skipped : List.of(Command.EHLO, Command.DATA, Command.MSG, Command.UNKNOWN)) {
                CommandResult result = s1.first(skipped);
                assertEquals(ReplyCode.CONTINUE, result.code(), skipped::name);
                assertEquals(ReplySource.NOT_REQUESTED, result.source(), skipped::name);
            }
            assertEquals(ReplySource.PMILTER, s1.first(Command.DOT).source());
            assertEquals(SessionEnd.COMPLETED, s1.end());
        }
    }

    @Test
    void sendsExactlyTheRequestedMacrosThatHaveAValueAndAreValidAtThatStage() throws Exception {
        PmilterResponse.NegotiateReply negotiation = new PmilterResponse.NegotiateReply(PmilterCodes.STAGE_CAPS_MASK, 0,
                Map.of(Stage.CONNECT, List.of(Macro.HOSTNAME, Macro.TAID),
                        Stage.MAIL, List.of(Macro.AUTH_TYPE, Macro.TAID, Macro.MSGID),
                        Stage.DOT, List.of(Macro.MSGID, Macro.HOSTNAME)));
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet().negotiate(negotiation);
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            run(simulator, scenario(SESSION));

            Map<Command, PmilterMacros> sent = new java.util.EnumMap<>(Command.class);
            for (Received received : pmilter.received("S1")) {
                sent.putIfAbsent(received.command(), received.macros());
            }
            // taid is not valid at CONNECT; hostname was known from the start
            assertEquals(PmilterMacros.of(Macro.HOSTNAME, "mx.local"), sent.get(Command.CONNECT));
            // auth_type has no value, msgid is only valid at DOT
            assertEquals(PmilterMacros.of(Macro.TAID, "T1"), sent.get(Command.MAIL));
            assertEquals(PmilterMacros.of(Macro.MSGID, "M1", Macro.HOSTNAME, "mx.local"), sent.get(Command.DOT));
            // nothing was asked for at EHLO, RCPT and DATA, so nothing is sent there
            assertTrue(sent.get(Command.EHLO).isEmpty());
            assertTrue(sent.get(Command.RCPT).isEmpty());
            assertTrue(sent.get(Command.DATA).isEmpty());
        }
    }

    @Test
    void treatsANegotiationAskingForUnofferedModificationsAsAFailure() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .negotiate(new PmilterResponse.NegotiateReply(PmilterCodes.ALL_MASK, 0));
             Meta1Simulator simulator = new Meta1Simulator(org.pmult.sim.testing.Simulators.settings(pmilter.address(),
                     FailurePolicy.ACCEPT_BUT_RECONNECT, Duration.ofSeconds(10))
                     .withOfferedCaps(PmilterCodes.STAGE_CAPS_MASK))) {

            SimulationReport report = run(simulator, scenario("session S1\n  ehlo x\n"));

            CommandResult connect = report.session("S1").first(Command.CONNECT);
            assertTrue(connect.synthesized());
            assertEquals(PmilterFailure.PROTOCOL_VIOLATION, connect.failure());
            assertEquals(ReplySource.UNFILTERED, report.session("S1").first(Command.EHLO).source());
            assertTrue(pmilter.received().isEmpty());
        }
    }

    @Test
    void treatsAModificationItDidNotOfferAsAFailure() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .on(Command.DOT, Reaction.continueWith(new PmilterModification.ReplaceBody(new byte[] {'x'})));
             Meta1Simulator simulator = new Meta1Simulator(org.pmult.sim.testing.Simulators.settings(pmilter.address(),
                     FailurePolicy.TEMPFAIL, Duration.ofSeconds(10))
                     .withOfferedCaps(PmilterCodes.STAGE_CAPS_MASK | Capability.MOD_HDR.bit()))) {

            SimulationReport report = run(simulator, scenario(
                    "session S1\n mail <a@b>\n rcpt <c@d>\n data\n message\nx\n.\n dot\n"));

            CommandResult dot = report.session("S1").first(Command.DOT);
            assertEquals(ReplyCode.TEMPFAIL, dot.code());
            assertEquals(Meta1Replies.FAILURE_TEMPFAIL, dot.text());
            assertEquals(PmilterFailure.PROTOCOL_VIOLATION, dot.failure());
        }
    }

    @Test
    void keepsToThePmiltersSessionLimit() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet()
                .negotiate(new PmilterResponse.NegotiateReply(PmilterCodes.STAGE_CAPS_MASK, 2))
                .on(Command.RCPT, new Reaction.Later(Reaction.reply(ReplyCode.CONTINUE), Duration.ofMillis(20)));
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(10))) {

            SimulationReport report = run(simulator, scenario("session S\n mail <a@b>\n rcpt <c@d>\n"),
                    new RunOptions(8, 8));

            assertEquals(8, report.sessions().size());
            assertTrue(report.sessions().stream().allMatch(s -> s.first(Command.CONNECT).code() == ReplyCode.CONTINUE));
            assertEquals(2, pmilter.maxConcurrentSessions());
        }
    }
}
