package org.pmult.milter.client;

import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Which reply fits which step, as a table of stages × replies (Postfix milter8.c refuses "unexpected
 * filter response R after event E" the same way): a verdict answers any answered stage, progress and
 * modifications only end of message, SMFIR_SKIP only a body chunk with SMFIP_SKIP, a malformed reply
 * code or an option negotiation nothing.
 */
class MilterReplyRulesTest {

    private static final Set<MilterStage> ANSWERED = EnumSet.of(MilterStage.CONNECT, MilterStage.HELO,
            MilterStage.MAIL, MilterStage.RCPT, MilterStage.DATA, MilterStage.HEADER, MilterStage.EOH,
            MilterStage.BODY, MilterStage.EOM, MilterStage.UNKNOWN);
    private static final NegotiatedOptions ALL = options(MilterCodes.V6_PROTOCOL & ~noReplyFlags());
    private static final List<MilterReply> VERDICTS = List.of(MilterReply.CONTINUE, MilterReply.ACCEPT,
            MilterReply.REJECT, MilterReply.TEMPFAIL, MilterReply.DISCARD, MilterReply.CONNECTION_FAIL,
            MilterReply.SHUTDOWN, new MilterReply.ReplyCode("550 5.7.1 no"));
    private static final List<MilterReply> MODIFICATIONS = List.of(new MilterReply.AddHeader("X-A", "1"),
            new MilterReply.InsertHeader(0, "X-B", "2"), new MilterReply.ChangeHeader(1, "X-C", ""),
            new MilterReply.AddRcpt("<b@example.org>"), new MilterReply.AddRcptWithArgs("<c@example.org>", "NOTIFY=NEVER"),
            new MilterReply.DeleteRcpt("<d@example.org>"), new MilterReply.ChangeFrom("<e@example.org>", ""),
            new MilterReply.Quarantine("spam"));

    @Test
    void aVerdictAnswersEveryStageThatIsAnswered() {
        for (MilterStage stage : ANSWERED) {
            for (MilterReply reply : VERDICTS) {
                MilterReplyRules.Meaning meaning = MilterReplyRules.interpret(step(stage), reply, ALL);
                assertEquals(MilterVerdict.of(reply), assertInstanceOf(MilterReplyRules.Answer.class, meaning,
                        reply + " to " + stage).verdict());
            }
        }
    }

    @Test
    void progressAndModificationsFitEndOfMessageOnly() {
        for (MilterStage stage : ANSWERED) {
            assertEquals(stage == MilterStage.EOM ? MilterReplyRules.Progress.class : MilterReplyRules.Violation.class,
                    MilterReplyRules.interpret(step(stage), MilterReply.PROGRESS, ALL).getClass(), stage.tag());
            for (MilterReply modification : MODIFICATIONS) {
                assertEquals(stage == MilterStage.EOM ? MilterReplyRules.Modify.class : MilterReplyRules.Violation.class,
                        MilterReplyRules.interpret(step(stage), modification, ALL).getClass(), modification + " to " + stage);
            }
        }
    }

    @Test
    void skipFitsABodyChunkOnlyWhenSkipWasNegotiated() {
        for (MilterStage stage : ANSWERED) {
            MilterReplyRules.Meaning meaning = MilterReplyRules.interpret(step(stage), MilterReply.SKIP, ALL);
            if (stage == MilterStage.BODY) {
                assertEquals(MilterVerdict.SKIP, assertInstanceOf(MilterReplyRules.Answer.class, meaning).verdict());
            } else {
                assertInstanceOf(MilterReplyRules.Violation.class, meaning, stage.tag());
            }
        }
        NegotiatedOptions withoutSkip = options(ALL.protocol() & ~ProtocolFlag.SKIP.bit());
        assertInstanceOf(MilterReplyRules.Violation.class,
                MilterReplyRules.interpret(step(MilterStage.BODY), MilterReply.SKIP, withoutSkip));
    }

    @Test
    void aModificationWhoseActionWasNotNegotiatedIsAViolation() {
        NegotiatedOptions noChgfrom = options(MilterCodes.V6_ACTIONS & ~MilterCodes.ActionFlag.CHGFROM.bit(), ALL.protocol());
        MilterReplyRules.Violation violation = assertInstanceOf(MilterReplyRules.Violation.class, MilterReplyRules.interpret(
                step(MilterStage.EOM), new MilterReply.ChangeFrom("<e@example.org>", ""), noChgfrom));
        assertEquals("SMFIR_CHGFROM needs SMFIF_CHGFROM, which was not negotiated", violation.message());
    }

    @Test
    void aMalformedReplyCodeOrAStrayNegotiationAnswersNothing() {
        for (MilterStage stage : ANSWERED) {
            assertInstanceOf(MilterReplyRules.Violation.class, MilterReplyRules.interpret(step(stage),
                    new MilterReply.ReplyCode("250 fine"), ALL), stage.tag());
            assertInstanceOf(MilterReplyRules.Violation.class, MilterReplyRules.interpret(step(stage),
                    new MilterReply.OptionNegotiation(6, 0, 0, Map.of()), ALL), stage.tag());
        }
    }

    @Test
    void onlyAnOptionNegotiationAnswersTheOffer() {
        MilterStep offer = new MilterStep.Negotiation(new MilterCommand.OptionNegotiation(6, 0, 0));
        assertInstanceOf(MilterReplyRules.Negotiated.class, MilterReplyRules.interpret(offer,
                new MilterReply.OptionNegotiation(6, 0, 0, Map.of()), null));
        assertEquals("unexpected SMFIR_CONTINUE in reply to SMFIC_OPTNEG", assertInstanceOf(MilterReplyRules.Violation.class,
                MilterReplyRules.interpret(offer, MilterReply.CONTINUE, null)).message());
    }

    @Test
    void aReplyToNothingOrToAStageTheFilterDoesNotAnswerIsAViolation() {
        assertEquals("unexpected SMFIR_CONTINUE while no command awaits a reply", assertInstanceOf(
                MilterReplyRules.Violation.class, MilterReplyRules.interpret(null, MilterReply.CONTINUE, ALL)).message());
        for (MilterStage stage : List.of(MilterStage.ABORT, MilterStage.CLOSE)) {
            assertInstanceOf(MilterReplyRules.Violation.class, MilterReplyRules.interpret(step(stage), MilterReply.CONTINUE, ALL));
        }
        NegotiatedOptions noRcptReply = options(ALL.protocol() | ProtocolFlag.NR_RCPT.bit());
        assertInstanceOf(MilterReplyRules.Violation.class,
                MilterReplyRules.interpret(step(MilterStage.RCPT), MilterReply.CONTINUE, noRcptReply));
    }

    private static MilterStep step(MilterStage stage) {
        return switch (stage) {
            case EOM -> new MilterStep.EndOfMessage(MilterMacros.EMPTY, ImmediateEventExecutor.INSTANCE.newPromise());
            case BODY -> new MilterStep.Body(MilterMacros.EMPTY, Unpooled.EMPTY_BUFFER,
                    ImmediateEventExecutor.INSTANCE.newPromise());
            default -> new MilterStep.Verdict(stage, MilterMacros.EMPTY, MilterCommand.ABORT,
                    ImmediateEventExecutor.INSTANCE.newPromise());
        };
    }

    private static int noReplyFlags() {
        int mask = 0;
        for (ProtocolFlag flag : ProtocolFlag.values()) {
            if (flag.libmilterName().startsWith("SMFIP_NR_")) {
                mask |= flag.bit();
            }
        }
        return mask;
    }

    private static NegotiatedOptions options(int protocol) {
        return options(MilterCodes.V6_ACTIONS, protocol);
    }

    /** What a v6 filter granting {@code actions} and {@code protocol} negotiates against pmult's full offer. */
    private static NegotiatedOptions options(int actions, int protocol) {
        return NegotiatedOptions.negotiate(new MilterCommand.OptionNegotiation(6, MilterCodes.V6_ACTIONS, MilterCodes.V6_PROTOCOL),
                new MilterReply.OptionNegotiation(6, actions, protocol, Map.of()));
    }
}
