package org.pmult.server.session;

import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The standing of a session's legs and the session's answer to one step. A step asks the active legs
 * one after another in client order and stops at the first that decides (reject, tempfail, discard,
 * shutdown), as Sendmail and Postfix do; this class turns what those legs answered into the pmilter
 * reply and moves each leg's standing: an accept releases the leg for the message (or, before MAIL,
 * the session), a failure with a continue default drops it. Not thread safe: one per session.
 */
final class VerdictCombiner {

    /** The answer to one step: the pmilter code and text, who decided, and the changes asked for. */
    record Combined(ReplyCode code, String text, int decider, LegVerdict decided,
                    List<PmilterModification> modifications, List<Integer> changers) {

        boolean decidedByLeg() {
            return decider >= 0;
        }
    }

    private final LegStanding[] standings;

    VerdictCombiner(int legs) {
        standings = new LegStanding[legs];
        Arrays.fill(standings, LegStanding.ACTIVE);
    }

    /** Whether leg {@code leg} gets the next step. */
    boolean consulted(int leg) {
        return standings[leg] == LegStanding.ACTIVE;
    }

    /** Whether leg {@code leg} has a transaction open that an ABORT must close. */
    boolean inTransaction(int leg) {
        return standings[leg] == LegStanding.ACTIVE || standings[leg] == LegStanding.ACCEPTED_MESSAGE;
    }

    LegStanding standing(int leg) {
        return standings[leg];
    }

    /** A leg failed instead of answering (a bug): it is treated like a failed milter that continues. */
    void ignore(int leg) {
        standings[leg] = LegStanding.IGNORED;
    }

    /**
     * Leg {@code leg}'s condition is false: it is consulted no more in the session ({@code wholeSession})
     * or in this transaction, and neither decides nor holds back an accept of the others.
     */
    void skip(int leg, boolean wholeSession) {
        standings[leg] = wholeSession ? LegStanding.SKIPPED_SESSION : LegStanding.SKIPPED_MESSAGE;
    }

    /**
     * Combines one step's verdicts.
     *
     * @param beforeTransaction whether the step is CONNECT or HELO (an accept then releases the session)
     * @param connectionStage   whether DISCARD must become REJECT (MeTA1 takes DISCARD from MAIL on)
     * @param verdicts          per leg in client order; null for a leg that was not asked
     */
    Combined combine(boolean beforeTransaction, boolean connectionStage, LegVerdict[] verdicts) {
        LegVerdict decided = null;
        int decider = -1;
        List<PmilterModification> modifications = new ArrayList<>();
        List<Integer> changers = new ArrayList<>();
        for (int i = 0; i < verdicts.length; i++) {
            LegVerdict verdict = verdicts[i];
            if (verdict == null) {
                continue;
            }
            if (decided == null && verdict.decides()) {
                decided = verdict;
                decider = i;
            }
            if (verdict.kind() == LegVerdict.Kind.ACCEPT) {
                standings[i] = beforeTransaction || verdict.defaultAction()
                        ? LegStanding.RELEASED : LegStanding.ACCEPTED_MESSAGE;
            } else if (verdict.defaultAction() && verdict.kind() == LegVerdict.Kind.CONTINUE) {
                standings[i] = LegStanding.IGNORED;
            }
            if (!verdict.modifications().isEmpty()) {
                modifications.addAll(verdict.modifications());
                changers.add(i);
            }
        }
        if (decided != null) {
            return new Combined(decidedCode(decided, connectionStage), decidedText(decided),
                    decider, decided, List.of(), List.of());
        }
        return new Combined(allAccepted() ? ReplyCode.ACCEPT : ReplyCode.CONTINUE, null, -1, null,
                modifications, changers);
    }

    /**
     * After DOT or ABORT: the legs that accepted only that message, or were skipped in it, are
     * consulted again. Returns the accepting ones; they never saw the end of that message, so the
     * caller closes it for them (a skipped leg got its ABORT when it was skipped).
     */
    List<Integer> reopenAcceptedMessages() {
        List<Integer> reopened = new ArrayList<>();
        for (int i = 0; i < standings.length; i++) {
            if (standings[i] == LegStanding.ACCEPTED_MESSAGE) {
                standings[i] = LegStanding.ACTIVE;
                reopened.add(i);
            } else if (standings[i] == LegStanding.SKIPPED_MESSAGE) {
                standings[i] = LegStanding.ACTIVE;
            }
        }
        return reopened;
    }

    /**
     * Whether no leg is consulted any more and at least one accepted (the others failed with a
     * continue default, or were skipped by their condition). Legs that were only ignored or skipped
     * accepted nothing: then the answer is CONTINUE.
     */
    private boolean allAccepted() {
        boolean anyAccepted = false;
        for (LegStanding standing : standings) {
            if (standing == LegStanding.ACTIVE) {
                return false;
            }
            anyAccepted |= standing == LegStanding.ACCEPTED_MESSAGE || standing == LegStanding.RELEASED;
        }
        return anyAccepted;
    }

    private static ReplyCode decidedCode(LegVerdict verdict, boolean connectionStage) {
        return switch (verdict.kind()) {
            case REJECT -> ReplyCode.REJECT;
            case TEMPFAIL -> ReplyCode.TEMPFAIL;
            case SHUTDOWN -> ReplyCode.SHUTDOWN;
            // MeTA1 takes DISCARD from MAIL on; before that the only way to refuse the mail is REJECT.
            case DISCARD -> connectionStage ? ReplyCode.REJECT : ReplyCode.DISCARD;
            case CONTINUE, ACCEPT -> throw new IllegalStateException("not a deciding verdict: " + verdict);
        };
    }

    private static String decidedText(LegVerdict verdict) {
        return verdict.kind() == LegVerdict.Kind.DISCARD ? null : verdict.text();
    }
}
