package org.pmult.it;

import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One SMTP session through pmult to mailfromd running {@code mfl/pmult-e2e.mfl}: CONNECT, one sender,
 * one recipient, DATA, the message and its end, each sent only while the replies so far are CONTINUE.
 */
record E2eTransaction(String seid, List<PmilterResponse.Reply> replies) {

    /** The replies of a session that went all the way. */
    static final int STEPS = 6;

    /** A short message from Alice with {@code subject} and a Message-ID made of it. */
    static String message(String subject) {
        return """
                From: Alice <alice@e2e.example>
                Subject: %1$s
                Message-ID: <%1$s@e2e.example>

                Hello.
                """.formatted(subject);
    }

    /** Runs the session {@code seid} on {@code meta1} and closes it, whatever the replies were. */
    static E2eTransaction run(Meta1Client meta1, String seid, String message) {
        Meta1Client.Session smtp = meta1.session(seid);
        List<PmilterResponse.Reply> replies = new ArrayList<>();
        try {
            List<Supplier<PmilterResponse.Reply>> steps = List.of(
                    () -> smtp.connect("192.0.2.10", 40001, "client.e2e.example"),
                    () -> smtp.mail("<alice@e2e.example>"),
                    () -> smtp.rcpt("<bob@e2e.example>"),
                    smtp::data,
                    () -> smtp.message(message),
                    smtp::dot);
            for (Supplier<PmilterResponse.Reply> step : steps) {
                PmilterResponse.Reply reply = step.get();
                replies.add(reply);
                if (reply.code() != ReplyCode.CONTINUE) {
                    break;
                }
            }
        } finally {
            smtp.close();
        }
        return new E2eTransaction(seid, List.copyOf(replies));
    }

    /** The reply that ended the session. */
    PmilterResponse.Reply last() {
        return replies.get(replies.size() - 1);
    }

    /**
     * Whether every step was answered CONTINUE and the end of the message carries the filter's
     * {@code X-E2E-Passed: yes} (with or without its leading space: that is the compatibility suite's business).
     */
    boolean filtered() {
        return replies.size() == STEPS && last().code() == ReplyCode.CONTINUE
                && last().modifications().stream().anyMatch(change -> change instanceof PmilterModification.AddHeader added
                        && added.name().equals("X-E2E-Passed") && added.value().strip().equals("yes"));
    }
}
