package org.pmult.sim.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.scenario.SessionScript;
import org.pmult.sim.scenario.SessionStep;

/**
 * Plays one SMTP session the way smtps's policy_milter client does (§10): one command outstanding at
 * a time, only the stages the pmilter asked for, the macros it asked for, the verdicts applied to the
 * SMTP dialogue, and the failure rule of §10.9 when a reply times out, is ERROR or the connection is
 * lost. Runs without blocking on whatever thread completes its futures; steps run strictly one after
 * the other, so its state needs no locks.
 */
final class SessionPlayer {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final SessionScript script;
    private final String seid;
    private final SimulatorSettings settings;
    private final SessionRequests requests;
    private final PmilterConversation pmilter;
    private final SmtpsVerdicts verdicts;
    private final List<CommandResult> results = new ArrayList<>();
    private final CompletableFuture<SessionResult> done = new CompletableFuture<>();

    private SmtpTransaction transaction;
    private SessionEnd end;
    private int nextStep;
    private long startNanos;

    SessionPlayer(SessionScript script, String seid, PolicyMilterLink link, SimulatorSettings settings) {
        this.script = script;
        this.seid = seid;
        this.settings = settings;
        this.requests = new SessionRequests(seid);
        this.pmilter = new PmilterConversation(seid, link, requests);
        this.verdicts = new SmtpsVerdicts(seid, settings, pmilter);
    }

    /** Plays the session; completes with its result, or exceptionally only on a bug. */
    CompletableFuture<SessionResult> play() {
        startNanos = System.nanoTime();
        advance();
        return done;
    }

    private void advance() {
        try {
            while (end == null && nextStep < script.steps().size()) {
                int index = nextStep++;
                CompletableFuture<Void> step = run(index, script.steps().get(index));
                if (!step.isDone()) {
                    step.whenComplete((ignored, error) -> {
                        if (error != null) {
                            crash(error);
                        } else {
                            advance();
                        }
                    });
                    return;
                }
                step.join();
            }
            finish();
        } catch (RuntimeException e) {
            crash(e);
        }
    }

    private CompletableFuture<Void> run(int index, SessionStep step) {
        if (step instanceof SessionStep.SetMacro macro) {
            requests.learn(macro);
            return DONE;
        }
        if (step instanceof SessionStep.Connect connect) {
            return connect(index, connect);
        }
        if (step instanceof SessionStep.Ehlo ehlo) {
            return ehlo(index, ehlo);
        }
        if (step instanceof SessionStep.Mail mail) {
            return mail(index, mail);
        }
        if (step instanceof SessionStep.Rcpt rcpt) {
            return rcpt(index, rcpt);
        }
        if (step instanceof SessionStep.Data data) {
            return data(index, data);
        }
        if (step instanceof SessionStep.Message message) {
            return message(index, message);
        }
        if (step instanceof SessionStep.Dot dot) {
            return dot(index, dot);
        }
        if (step instanceof SessionStep.Abort abort) {
            return abort(index, abort);
        }
        if (step instanceof SessionStep.Unknown unknown) {
            return unknown(index, unknown);
        }
        if (step instanceof SessionStep.Close) {
            endSession(SessionEnd.COMPLETED);
            return DONE;
        }
        throw new IllegalStateException("unknown step " + step);
    }

    // ---- the steps ----------------------------------------------------------------------------

    private CompletableFuture<Void> connect(int index, SessionStep.Connect step) {
        pmilter.connected(step);
        return pmilter.ask(Command.CONNECT, transaction, false, conn -> requests.connect(conn, step)).thenAccept(asked -> {
            Verdict verdict = verdicts.of(Command.CONNECT, asked.outcome(), false);
            record(index, step, StepText.of(step), asked, verdict);
            switch (verdict.code()) {
                case CONTINUE -> {
                    // the session is open
                }
                case ACCEPT -> acceptSessionIfPmilter(verdict);
                case REJECT, TEMPFAIL -> {
                    // §10.9: after a failure with no flag the session goes on; a real refusal ends it
                    if (verdict.source() != ReplySource.FAILURE_POLICY) {
                        endSession(SessionEnd.REFUSED_AT_CONNECT);
                    }
                }
                case SHUTDOWN -> shutdown(verdict);
                case DISCARD, ERROR -> throw impossible(verdict);
            }
        });
    }

    private CompletableFuture<Void> ehlo(int index, SessionStep.Ehlo step) {
        return pmilter.ask(Command.EHLO, transaction, false, conn -> requests.ehlo(conn, step)).thenAccept(asked -> {
            Verdict verdict = verdicts.of(Command.EHLO, asked.outcome(), false);
            record(index, step, StepText.of(step), asked, verdict);
            switch (verdict.code()) {
                case CONTINUE -> pmilter.greeted(step);
                case ACCEPT -> {
                    pmilter.greeted(step);
                    acceptSessionIfPmilter(verdict);
                }
                case REJECT, TEMPFAIL -> pmilter.greeted(null);
                case SHUTDOWN -> shutdown(verdict);
                case DISCARD, ERROR -> throw impossible(verdict);
            }
        });
    }

    private CompletableFuture<Void> mail(int index, SessionStep.Mail step) {
        return pmilter.ask(Command.MAIL, transaction, false, conn -> requests.mail(conn, step)).thenAccept(asked -> {
            Verdict verdict = verdicts.of(Command.MAIL, asked.outcome(), true);
            record(index, step, StepText.of(step), asked, verdict);
            switch (verdict.code()) {
                case CONTINUE -> startTransaction(step, verdict);
                case ACCEPT, DISCARD -> startTransaction(step, verdict).decideIfNew(verdict);
                case REJECT, TEMPFAIL -> {
                    // no transaction
                }
                case SHUTDOWN -> shutdown(verdict);
                case ERROR -> throw impossible(verdict);
            }
        });
    }

    private CompletableFuture<Void> rcpt(int index, SessionStep.Rcpt step) {
        String request = StepText.of(step);
        if (transaction == null) {
            recordLocal(index, step, request, ReplyCode.REJECT, Meta1Replies.NEED_MAIL);
            return DONE;
        }
        SmtpTransaction current = transaction;
        int recipientIndex = current.nextRecipientIndex++;
        return pmilter.ask(Command.RCPT, transaction, true, conn -> requests.rcpt(conn, step, recipientIndex)).thenAccept(asked -> {
            Verdict verdict = verdicts.of(Command.RCPT, asked.outcome(), true);
            record(index, step, request, asked, verdict);
            current.seen(verdict);
            switch (verdict.code()) {
                case CONTINUE -> current.accepted.add(new SmtpTransaction.AcceptedRecipient(step, recipientIndex));
                case ACCEPT, DISCARD -> {
                    current.accepted.add(new SmtpTransaction.AcceptedRecipient(step, recipientIndex));
                    current.decideIfNew(verdict);
                }
                case REJECT, TEMPFAIL -> {
                    // this recipient only is refused (§10.4)
                }
                case SHUTDOWN -> shutdown(verdict);
                case ERROR -> throw impossible(verdict);
            }
        });
    }

    private CompletableFuture<Void> data(int index, SessionStep.Data step) {
        if (transaction == null) {
            recordLocal(index, step, "data", ReplyCode.REJECT, Meta1Replies.NEED_MAIL);
            return DONE;
        }
        if (transaction.accepted.isEmpty()) {
            recordLocal(index, step, "data", ReplyCode.REJECT, Meta1Replies.NO_VALID_RECIPIENTS);
            transaction = null;
            return DONE;
        }
        SmtpTransaction current = transaction;
        return pmilter.ask(Command.DATA, transaction, true, requests::data)
                .thenAccept(asked -> {
                    Verdict verdict = verdicts.of(Command.DATA, asked.outcome(), true);
                    record(index, step, "data", asked, verdict);
                    current.seen(verdict);
                    switch (verdict.code()) {
                        case CONTINUE -> current.phase = SmtpTransaction.Phase.MESSAGE;
                        case ACCEPT, DISCARD -> {
                            current.phase = SmtpTransaction.Phase.MESSAGE;
                            current.decideIfNew(verdict);
                        }
                        case REJECT, TEMPFAIL -> transaction = null;
                        case SHUTDOWN -> shutdown(verdict);
                        case ERROR -> throw impossible(verdict);
                    }
                });
    }

    private CompletableFuture<Void> message(int index, SessionStep.Message step) {
        byte[] content = step.content();
        String request = StepText.of(step);
        if (transaction == null) {
            recordLocal(index, step, request, ReplyCode.REJECT, Meta1Replies.NEED_MAIL);
            return DONE;
        }
        if (transaction.phase != SmtpTransaction.Phase.MESSAGE) {
            recordLocal(index, step, request, ReplyCode.REJECT, Meta1Replies.NEED_DATA);
            return DONE;
        }
        if (content.length == 0) {
            recordLocal(index, step, request, ReplyCode.CONTINUE, null);
            return DONE;
        }
        SmtpTransaction current = transaction;
        long start = System.nanoTime();
        return sendChunks(content, 0).thenAccept(asked -> {
            Verdict verdict = verdicts.of(Command.MSG, asked.outcome(), true);
            record(index, step, request, new Asked(asked.outcome(), asked.resynchronised(), start), verdict);
            current.seen(verdict);
            switch (verdict.code()) {
                case CONTINUE -> {
                    // next content or dot
                }
                case ACCEPT, DISCARD, REJECT, TEMPFAIL -> current.decideIfNew(verdict);
                case SHUTDOWN -> shutdown(verdict);
                case ERROR -> throw impossible(verdict);
            }
        });
    }

    /** Sends MSG chunks in order until one is not answered CONTINUE by the pmilter, or all are sent. */
    private CompletableFuture<Asked> sendChunks(byte[] content, int offset) {
        int length = Math.min(settings.chunkSize(), content.length - offset);
        return pmilter.ask(Command.MSG, transaction, true, conn -> requests.msg(content, offset, length))
                .thenCompose(asked -> {
                    boolean continued = asked.outcome() instanceof Outcome.Replied replied
                            && replied.reply().code() == ReplyCode.CONTINUE;
                    if (continued && offset + length < content.length) {
                        return sendChunks(content, offset + length);
                    }
                    return CompletableFuture.completedFuture(asked);
                });
    }

    private CompletableFuture<Void> dot(int index, SessionStep.Dot step) {
        if (transaction == null) {
            recordLocal(index, step, "dot", ReplyCode.REJECT, Meta1Replies.NEED_MAIL);
            return DONE;
        }
        if (transaction.phase != SmtpTransaction.Phase.MESSAGE) {
            transaction = null;
            recordLocal(index, step, "dot", ReplyCode.REJECT, Meta1Replies.NEED_DATA);
            return DONE;
        }
        return pmilter.ask(Command.DOT, transaction, true, requests::dot)
                .thenAccept(asked -> {
                    Verdict verdict = verdicts.of(Command.DOT, asked.outcome(), true);
                    record(index, step, "dot", asked, verdict);
                    transaction = null;
                    if (verdict.code() == ReplyCode.SHUTDOWN) {
                        shutdown(verdict);
                    }
                });
    }

    private CompletableFuture<Void> abort(int index, SessionStep.Abort step) {
        SmtpTransaction current = transaction;
        transaction = null;
        if (current == null) {
            recordLocal(index, step, "abort", ReplyCode.CONTINUE, null);
            return DONE;
        }
        if (pmilter.filter() != PmilterConversation.FilterState.FILTERING || !pmilter.isBound() || !current.seenByPmilter) {
            ReplySource source = switch (pmilter.filter()) {
                case FILTERING -> ReplySource.NOT_REQUESTED;
                case ACCEPTED_SESSION -> ReplySource.ALREADY_DECIDED;
                case UNFILTERED -> ReplySource.UNFILTERED;
                case DETACHED -> ReplySource.SMTP;
            };
            record(index, step, "abort", new Asked(null, false, System.nanoTime()),
                    new Verdict(ReplyCode.CONTINUE, null, List.of(), source, null, null));
            return DONE;
        }
        long start = System.nanoTime();
        // ABORT has no stage bit and is not covered by an earlier ACCEPT: the pmilter must hear of the RSET
        return pmilter.abort().thenAccept(outcome -> {
            Verdict verdict = verdicts.of(Command.ABORT, outcome, true);
            record(index, step, "abort", new Asked(outcome, false, start), verdict);
            if (verdict.code() == ReplyCode.SHUTDOWN) {
                shutdown(verdict);
            }
        });
    }

    private CompletableFuture<Void> unknown(int index, SessionStep.Unknown step) {
        boolean inTransaction = transaction != null;
        return pmilter.ask(Command.UNKNOWN, transaction, inTransaction, conn -> requests.unknown(step))
                .thenAccept(asked -> {
                    Verdict verdict = verdicts.of(Command.UNKNOWN, asked.outcome(), inTransaction);
                    record(index, step, StepText.of(step), asked, verdict);
                    if (verdict.code() == ReplyCode.SHUTDOWN) {
                        shutdown(verdict);
                    }
                });
    }

    // ---- state changes ------------------------------------------------------------------------

    private SmtpTransaction startTransaction(SessionStep.Mail step, Verdict verdict) {
        transaction = new SmtpTransaction(step);
        transaction.seen(verdict);
        return transaction;
    }

    private void acceptSessionIfPmilter(Verdict verdict) {
        if (verdict.source() == ReplySource.PMILTER) {
            pmilter.acceptSession();
        }
    }

    private void shutdown(Verdict verdict) {
        endSession(verdict.source() == ReplySource.FAILURE_POLICY
                ? SessionEnd.ABORTED_BY_FAILURE_POLICY : SessionEnd.SHUTDOWN);
    }

    /** Ends the SMTP session; if the pmilter knows it, tells it with CLOSE (which gets no reply). */
    private void endSession(SessionEnd how) {
        end = how;
        pmilter.close();
    }

    private void finish() {
        SessionEnd how = end == null ? SessionEnd.COMPLETED : end;
        done.complete(new SessionResult(script.name(), seid, results, how,
                ExpectationChecker.check(script.expectations(), results, how),
                Duration.ofNanos(System.nanoTime() - startNanos)));
    }

    private void crash(Throwable error) {
        pmilter.close();
        done.completeExceptionally(PolicyMilterLink.unwrap(error));
    }

    // ---- requests and records -----------------------------------------------------------------

    private void record(int index, SessionStep step, String request, Asked asked, Verdict verdict) {
        results.add(new CommandResult(index, step.line(), step.command(), request, verdict.code(), verdict.text(),
                verdict.modifications(), verdict.source(), verdict.failure(), verdict.failureDetail(),
                asked.resynchronised(), Duration.ofNanos(System.nanoTime() - asked.startNanos())));
    }

    /** Records a verdict smtps gives by itself, without asking the pmilter. */
    private void recordLocal(int index, SessionStep step, String request, ReplyCode code, String text) {
        results.add(new CommandResult(index, step.line(), step.command(), request, code, text, List.of(),
                ReplySource.SMTP, null, null, false, Duration.ZERO));
    }

    private IllegalStateException impossible(Verdict verdict) {
        return new IllegalStateException("session " + seid + ": verdict " + verdict + " cannot reach this point");
    }
}
