package org.pmult.sim.engine;

import java.util.ArrayList;
import java.util.List;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.scenario.SessionStep;

/** An SMTP transaction from MAIL to dot or RSET, as smtps keeps it while playing a session. */
final class SmtpTransaction {

    /** Where a transaction stands. */
    enum Phase {
        /** MAIL accepted; recipients being given. */
        ENVELOPE,
        /** DATA accepted; message content being sent. */
        MESSAGE
    }

    /** A recipient that was not refused, with its position among the transaction's RCPTs. */
    record AcceptedRecipient(SessionStep.Rcpt step, int index) {
    }

    /** A verdict that settled the rest of the transaction. */
    record Decision(ReplyCode code, String text) {
    }

    final SessionStep.Mail mail;
    final List<AcceptedRecipient> accepted = new ArrayList<>();
    Phase phase = Phase.ENVELOPE;
    int nextRecipientIndex;
    /** A verdict that settled the rest of the transaction (ACCEPT, DISCARD, or a refused message), or null. */
    Decision decision;
    /** Whether the pmilter answered any command of this transaction (so ABORT means something to it). */
    boolean seenByPmilter;

    SmtpTransaction(SessionStep.Mail mail) {
        this.mail = mail;
    }

    /** Notes the first verdict the pmilter (or the failure rule) gave that settles the transaction. */
    void decideIfNew(Verdict verdict) {
        if (verdict.source() != ReplySource.ALREADY_DECIDED && verdict.source() != ReplySource.UNFILTERED
                && verdict.source() != ReplySource.NOT_REQUESTED && decision == null) {
            decision = new Decision(verdict.code(), verdict.text());
        }
    }

    /** Notes that the pmilter answered a command of this transaction, if it did. */
    void seen(Verdict verdict) {
        if (verdict.source() == ReplySource.PMILTER) {
            seenByPmilter = true;
        }
    }
}
