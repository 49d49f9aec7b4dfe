package org.pmult.server.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session's answer and the legs' standing after one step, for two legs. A verdict is written
 * {@code kind} or {@code kind!} for a client's default action standing in for a failed milter; {@code -}
 * is a leg that was not asked (an earlier one decided, or it no longer takes part).
 */
class VerdictCombinerTest {

    @ParameterizedTest(name = "{0} step: {1} then {2} -> {3} by leg {4}; standings {5} {6}")
    @CsvSource({
            // stage,  leg 0,     leg 1,     reply,    decider, leg 0 after,      leg 1 after
            "mail,     CONTINUE,  CONTINUE,  CONTINUE, -1,      ACTIVE,           ACTIVE",
            "mail,     REJECT,    -,         REJECT,   0,       ACTIVE,           ACTIVE",
            "mail,     CONTINUE,  TEMPFAIL,  TEMPFAIL, 1,       ACTIVE,           ACTIVE",
            "mail,     ACCEPT,    CONTINUE,  CONTINUE, -1,      ACCEPTED_MESSAGE, ACTIVE",
            "mail,     ACCEPT,    REJECT,    REJECT,   1,       ACCEPTED_MESSAGE, ACTIVE",
            "mail,     ACCEPT,    ACCEPT,    ACCEPT,   -1,      ACCEPTED_MESSAGE, ACCEPTED_MESSAGE",
            "mail,     DISCARD,   -,         DISCARD,  0,       ACTIVE,           ACTIVE",
            "mail,     SHUTDOWN,  -,         SHUTDOWN, 0,       ACTIVE,           ACTIVE",
            "connect,  DISCARD,   -,         REJECT,   0,       ACTIVE,           ACTIVE",
            "connect,  ACCEPT,    CONTINUE,  CONTINUE, -1,      RELEASED,         ACTIVE",
            "helo,     ACCEPT,    ACCEPT,    ACCEPT,   -1,      RELEASED,         RELEASED",
            "mail,     CONTINUE!, CONTINUE,  CONTINUE, -1,      IGNORED,          ACTIVE",
            "mail,     CONTINUE!, CONTINUE!, CONTINUE, -1,      IGNORED,          IGNORED",
            "mail,     CONTINUE!, ACCEPT,    ACCEPT,   -1,      IGNORED,          ACCEPTED_MESSAGE",
            "mail,     ACCEPT!,   CONTINUE,  CONTINUE, -1,      RELEASED,         ACTIVE",
            "mail,     TEMPFAIL!, -,         TEMPFAIL, 0,       ACTIVE,           ACTIVE",
    })
    void combinesOneStep(String stage, String first, String second, ReplyCode reply, int decider,
                         LegStanding firstAfter, LegStanding secondAfter) {
        VerdictCombiner combiner = new VerdictCombiner(2);
        boolean connection = !stage.equals("mail");
        VerdictCombiner.Combined combined = combiner.combine(connection, connection,
                new LegVerdict[] {verdict(first), verdict(second)});
        assertEquals(reply, combined.code());
        assertEquals(decider, combined.decider());
        assertEquals(firstAfter, combiner.standing(0));
        assertEquals(secondAfter, combiner.standing(1));
    }

    @Test
    void carriesTheDecidingTextButNoneForADiscard() {
        VerdictCombiner combiner = new VerdictCombiner(1);
        assertEquals("550 5.7.1 no", combiner.combine(false, false,
                new LegVerdict[] {LegVerdict.withText(LegVerdict.Kind.REJECT, "550 5.7.1 no")}).text());
        assertEquals(null, combiner.combine(false, false,
                new LegVerdict[] {LegVerdict.withText(LegVerdict.Kind.DISCARD, "550 5.7.1 no")}).text());
    }

    @Test
    void collectsChangesInClientOrderOnlyWhenNobodyDecided() {
        PmilterModification signature = new PmilterModification.AddHeader("DKIM-Signature", "v=1");
        PmilterModification score = new PmilterModification.AddHeader("X-Spam-Score", "1");
        VerdictCombiner combiner = new VerdictCombiner(2);
        VerdictCombiner.Combined kept = combiner.combine(false, false, new LegVerdict[] {
                new LegVerdict(LegVerdict.Kind.CONTINUE, null, List.of(score), false),
                new LegVerdict(LegVerdict.Kind.ACCEPT, null, List.of(signature), false)});
        assertEquals(List.of(score, signature), kept.modifications());
        assertEquals(List.of(0, 1), kept.changers());
        VerdictCombiner.Combined rejected = new VerdictCombiner(2).combine(false, false, new LegVerdict[] {
                new LegVerdict(LegVerdict.Kind.CONTINUE, null, List.of(score), false),
                LegVerdict.of(LegVerdict.Kind.REJECT)});
        assertEquals(List.of(), rejected.modifications());
    }

    @Test
    void aLegThatAcceptedTheMessageIsConsultedAgainAfterIt() {
        VerdictCombiner combiner = new VerdictCombiner(2);
        combiner.combine(false, false, new LegVerdict[] {LegVerdict.ACCEPT, LegVerdict.CONTINUE});
        assertFalse(combiner.consulted(0));
        assertTrue(combiner.inTransaction(0));
        assertEquals(List.of(0), combiner.reopenAcceptedMessages());
        assertTrue(combiner.consulted(0));
        assertEquals(List.of(), combiner.reopenAcceptedMessages());
    }

    @Test
    void aLegThatFailedWithAContinueDefaultIsNeverAskedAgainNorAborted() {
        VerdictCombiner combiner = new VerdictCombiner(1);
        combiner.combine(false, false, new LegVerdict[] {LegSeries.FAILED_LEG});
        assertFalse(combiner.consulted(0));
        assertFalse(combiner.inTransaction(0));
    }

    private static LegVerdict verdict(String written) {
        if (written.equals("-")) {
            return null;
        }
        boolean defaultAction = written.endsWith("!");
        LegVerdict.Kind kind = LegVerdict.Kind.valueOf(defaultAction ? written.substring(0, written.length() - 1) : written);
        return new LegVerdict(kind, null, List.of(), defaultAction);
    }
}
