package org.pmult.sim.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.SessionScript;
import org.pmult.sim.scenario.SessionStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays one SMTP session the way smtps's policy_milter client does (§10): one command outstanding at
 * a time, only the stages the pmilter asked for, the macros it asked for, the verdicts applied to the
 * SMTP dialogue, and the failure rule of §10.9 when a reply times out, is ERROR or the connection is
 * lost. Runs without blocking on whatever thread completes its futures; steps run strictly one after
 * the other, so its state needs no locks.
 */
final class SessionPlayer {

    private static final Logger LOG = LoggerFactory.getLogger(SessionPlayer.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** How the session stands with the pmilter. */
    private enum FilterState {
        /** Commands go to the pmilter: on the bound connection, or the first one on the link's connection. */
        FILTERING,
        /** ACCEPT at CONNECT or EHLO: nothing more is asked in this session. */
        ACCEPTED_SESSION,
        /** A failure under accept_but_reconnect: nothing more is asked, everything goes on as CONTINUE. */
        UNFILTERED,
        /** A failure with no flag: the next command goes over a fresh connection, after replaying the session there. */
        DETACHED
    }

    /** Where a transaction stands. */
    private enum TransactionPhase {
        /** MAIL accepted; recipients being given. */
        ENVELOPE,
        /** DATA accepted; message content being sent. */
        MESSAGE
    }

    /** An SMTP transaction from MAIL to dot or RSET. */
    private static final class Transaction {
        final SessionStep.Mail mail;
        final List<AcceptedRecipient> accepted = new ArrayList<>();
        TransactionPhase phase = TransactionPhase.ENVELOPE;
        int nextRecipientIndex;
        /** A verdict that settled the rest of the transaction (ACCEPT, DISCARD, or a refused message), or null. */
        Decision decision;
        /** Whether the pmilter answered any command of this transaction (so ABORT means something to it). */
        boolean seenByPmilter;

        Transaction(SessionStep.Mail mail) {
            this.mail = mail;
        }
    }

    private record AcceptedRecipient(SessionStep.Rcpt step, int index) {
    }

    private record Decision(ReplyCode code, String text) {
    }

    /** An outcome, whether it came over a resynchronised connection, and when asking started. */
    private record Asked(Outcome outcome, boolean resynchronised, long startNanos) {
    }

    /** The verdict smtps applies to a command. */
    private record Verdict(ReplyCode code, String text, List<PmilterModification> modifications, ReplySource source,
            PmilterFailure failure, String failureDetail) {
    }

    /** A command replayed on a fresh connection. */
    private record Replay(Command command, Function<LinkConnection, PmilterRequest.SessionRequest> request) {
    }

    private final SessionScript script;
    private final String seid;
    private final PolicyMilterLink link;
    private final SimulatorSettings settings;
    private final FailurePolicy policy;
    private final SessionRequests requests;
    private final List<CommandResult> results = new ArrayList<>();
    private final CompletableFuture<SessionResult> done = new CompletableFuture<>();

    private FilterState filter = FilterState.FILTERING;
    /** The connection on which the pmilter knows this session, or null. */
    private LinkConnection bound;
    private SessionStep.Connect connectStep;
    /** The last EHLO/HELO that was not refused (replayed on a fresh connection), or null. */
    private SessionStep.Ehlo greeting;
    private Transaction transaction;
    private SessionEnd end;
    private int nextStep;
    private long startNanos;

    SessionPlayer(SessionScript script, String seid, PolicyMilterLink link, SimulatorSettings settings) {
        this.script = script;
        this.seid = seid;
        this.link = link;
        this.settings = settings;
        this.policy = settings.policyMilter().policy();
        this.requests = new SessionRequests(seid);
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
        connectStep = step;
        return ask(Command.CONNECT, false, conn -> requests.connect(conn, step)).thenAccept(asked -> {
            Verdict verdict = verdictOf(Command.CONNECT, asked.outcome(), false);
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
        return ask(Command.EHLO, false, conn -> requests.ehlo(conn, step)).thenAccept(asked -> {
            Verdict verdict = verdictOf(Command.EHLO, asked.outcome(), false);
            record(index, step, StepText.of(step), asked, verdict);
            switch (verdict.code()) {
                case CONTINUE -> greeting = step;
                case ACCEPT -> {
                    greeting = step;
                    acceptSessionIfPmilter(verdict);
                }
                case REJECT, TEMPFAIL -> greeting = null;
                case SHUTDOWN -> shutdown(verdict);
                case DISCARD, ERROR -> throw impossible(verdict);
            }
        });
    }

    private CompletableFuture<Void> mail(int index, SessionStep.Mail step) {
        return ask(Command.MAIL, false, conn -> requests.mail(conn, step)).thenAccept(asked -> {
            Verdict verdict = verdictOf(Command.MAIL, asked.outcome(), true);
            record(index, step, StepText.of(step), asked, verdict);
            switch (verdict.code()) {
                case CONTINUE -> startTransaction(step, verdict);
                case ACCEPT, DISCARD -> decideIfNew(startTransaction(step, verdict), verdict);
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
        Transaction current = transaction;
        int recipientIndex = current.nextRecipientIndex++;
        return ask(Command.RCPT, true, conn -> requests.rcpt(conn, step, recipientIndex)).thenAccept(asked -> {
            Verdict verdict = verdictOf(Command.RCPT, asked.outcome(), true);
            record(index, step, request, asked, verdict);
            seen(current, verdict);
            switch (verdict.code()) {
                case CONTINUE -> current.accepted.add(new AcceptedRecipient(step, recipientIndex));
                case ACCEPT, DISCARD -> {
                    current.accepted.add(new AcceptedRecipient(step, recipientIndex));
                    decideIfNew(current, verdict);
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
        Transaction current = transaction;
        return ask(Command.DATA, true, requests::data)
                .thenAccept(asked -> {
                    Verdict verdict = verdictOf(Command.DATA, asked.outcome(), true);
                    record(index, step, "data", asked, verdict);
                    seen(current, verdict);
                    switch (verdict.code()) {
                        case CONTINUE -> current.phase = TransactionPhase.MESSAGE;
                        case ACCEPT, DISCARD -> {
                            current.phase = TransactionPhase.MESSAGE;
                            decideIfNew(current, verdict);
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
        if (transaction.phase != TransactionPhase.MESSAGE) {
            recordLocal(index, step, request, ReplyCode.REJECT, Meta1Replies.NEED_DATA);
            return DONE;
        }
        if (content.length == 0) {
            recordLocal(index, step, request, ReplyCode.CONTINUE, null);
            return DONE;
        }
        Transaction current = transaction;
        long start = System.nanoTime();
        return sendChunks(content, 0).thenAccept(asked -> {
            Verdict verdict = verdictOf(Command.MSG, asked.outcome(), true);
            record(index, step, request, new Asked(asked.outcome(), asked.resynchronised(), start), verdict);
            seen(current, verdict);
            switch (verdict.code()) {
                case CONTINUE -> {
                    // next content or dot
                }
                case ACCEPT, DISCARD, REJECT, TEMPFAIL -> decideIfNew(current, verdict);
                case SHUTDOWN -> shutdown(verdict);
                case ERROR -> throw impossible(verdict);
            }
        });
    }

    /** Sends MSG chunks in order until one is not answered CONTINUE by the pmilter, or all are sent. */
    private CompletableFuture<Asked> sendChunks(byte[] content, int offset) {
        int length = Math.min(settings.chunkSize(), content.length - offset);
        return ask(Command.MSG, true, conn -> requests.msg(content, offset, length))
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
        if (transaction.phase != TransactionPhase.MESSAGE) {
            transaction = null;
            recordLocal(index, step, "dot", ReplyCode.REJECT, Meta1Replies.NEED_DATA);
            return DONE;
        }
        return ask(Command.DOT, true, requests::dot)
                .thenAccept(asked -> {
                    Verdict verdict = verdictOf(Command.DOT, asked.outcome(), true);
                    record(index, step, "dot", asked, verdict);
                    transaction = null;
                    if (verdict.code() == ReplyCode.SHUTDOWN) {
                        shutdown(verdict);
                    }
                });
    }

    private CompletableFuture<Void> abort(int index, SessionStep.Abort step) {
        Transaction current = transaction;
        transaction = null;
        if (current == null) {
            recordLocal(index, step, "abort", ReplyCode.CONTINUE, null);
            return DONE;
        }
        if (filter != FilterState.FILTERING || bound == null || !current.seenByPmilter) {
            ReplySource source = switch (filter) {
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
        return Outcome.send(bound, requests.abort()).thenAccept(outcome -> {
            Verdict verdict = verdictOf(Command.ABORT, outcome, true);
            record(index, step, "abort", new Asked(outcome, false, start), verdict);
            if (verdict.code() == ReplyCode.SHUTDOWN) {
                shutdown(verdict);
            }
        });
    }

    private CompletableFuture<Void> unknown(int index, SessionStep.Unknown step) {
        boolean inTransaction = transaction != null;
        return ask(Command.UNKNOWN, inTransaction, conn -> requests.unknown(step))
                .thenAccept(asked -> {
                    Verdict verdict = verdictOf(Command.UNKNOWN, asked.outcome(), inTransaction);
                    record(index, step, StepText.of(step), asked, verdict);
                    if (verdict.code() == ReplyCode.SHUTDOWN) {
                        shutdown(verdict);
                    }
                });
    }

    // ---- asking the pmilter -------------------------------------------------------------------

    /**
     * Offers a command to the pmilter, or says why it is not sent: a settled transaction, a settled or
     * unfiltered session, or a stage the pmilter did not ask for. A detached session is first replayed
     * on a fresh connection.
     */
    private CompletableFuture<Asked> ask(Command command, boolean inTransaction,
            Function<LinkConnection, PmilterRequest.SessionRequest> request) {
        long start = System.nanoTime();
        if (inTransaction && transaction != null && transaction.decision != null) {
            Decision decision = transaction.decision;
            return completed(new Outcome.NotSent(ReplySource.ALREADY_DECIDED, decision.code(), decision.text()), false, start);
        }
        switch (filter) {
            case UNFILTERED -> {
                return completed(new Outcome.NotSent(ReplySource.UNFILTERED, ReplyCode.CONTINUE, null), false, start);
            }
            case ACCEPTED_SESSION -> {
                return completed(new Outcome.NotSent(ReplySource.ALREADY_DECIDED, ReplyCode.ACCEPT, null), false, start);
            }
            case FILTERING -> {
                if (bound != null) {
                    return sendOn(bound, command, request, false, start);
                }
            }
            case DETACHED -> {
                // attach below
            }
        }
        boolean replay = filter == FilterState.DETACHED;
        CompletableFuture<Asked> result = new CompletableFuture<>();
        link.acquire().whenComplete((conn, error) -> {
            try {
                if (error != null) {
                    result.complete(new Asked(Outcome.failed(error), replay, start));
                    return;
                }
                bound = conn;
                filter = FilterState.FILTERING;
                List<Replay> replays = replay ? replaysBefore(command) : List.of();
                replayFrom(conn, replays, 0).thenCompose(early -> early != null
                        ? CompletableFuture.completedFuture(new Asked(early, true, start))
                        : sendOn(conn, command, request, replay, start))
                        .whenComplete((asked, failure) -> {
                            if (failure != null) {
                                result.completeExceptionally(failure);
                            } else {
                                result.complete(asked);
                            }
                        });
            } catch (RuntimeException bug) {
                result.completeExceptionally(bug);
            }
        });
        return result;
    }

    private CompletableFuture<Asked> sendOn(LinkConnection conn, Command command,
            Function<LinkConnection, PmilterRequest.SessionRequest> request, boolean resynchronised, long start) {
        if (!conn.wants(command)) {
            return completed(new Outcome.NotSent(ReplySource.NOT_REQUESTED, ReplyCode.CONTINUE, null), resynchronised, start);
        }
        return Outcome.send(conn, request.apply(conn)).thenApply(outcome -> new Asked(outcome, resynchronised, start));
    }

    /**
     * What a fresh connection must hear before {@code pending} so the pmilter knows the session: CONNECT,
     * the accepted EHLO, and inside a transaction its MAIL and accepted recipients.
     */
    private List<Replay> replaysBefore(Command pending) {
        List<Replay> replays = new ArrayList<>();
        if (pending == Command.CONNECT) {
            return replays;
        }
        SessionStep.Connect connect = connectStep;
        replays.add(new Replay(Command.CONNECT, conn -> requests.connect(conn, connect)));
        SessionStep.Ehlo ehlo = greeting;
        if (ehlo != null) {
            replays.add(new Replay(Command.EHLO, conn -> requests.ehlo(conn, ehlo)));
        }
        Transaction current = transaction;
        if (current != null) {
            replays.add(new Replay(Command.MAIL, conn -> requests.mail(conn, current.mail)));
            for (AcceptedRecipient recipient : List.copyOf(current.accepted)) {
                replays.add(new Replay(Command.RCPT, conn -> requests.rcpt(conn, recipient.step(), recipient.index())));
            }
        }
        return replays;
    }

    /**
     * Replays in order; completes with {@code null} when all were answered CONTINUE (or not asked for),
     * else with the first other outcome, which then stands for the pending command.
     */
    private CompletableFuture<Outcome> replayFrom(LinkConnection conn, List<Replay> replays, int index) {
        if (index == replays.size()) {
            return CompletableFuture.completedFuture(null);
        }
        Replay replay = replays.get(index);
        if (!conn.wants(replay.command())) {
            return replayFrom(conn, replays, index + 1);
        }
        LOG.debug("session {}: replaying {} on connection #{}", seid, replay.command(), conn.generation());
        return Outcome.send(conn, replay.request().apply(conn)).thenCompose(outcome -> {
            if (outcome instanceof Outcome.Replied replied && replied.reply().code() == ReplyCode.CONTINUE) {
                return replayFrom(conn, replays, index + 1);
            }
            return CompletableFuture.completedFuture(outcome);
        });
    }

    // ---- verdicts -----------------------------------------------------------------------------

    /** The verdict for an outcome; a failure applies the failure rule (§10.9) right here. */
    private Verdict verdictOf(Command command, Outcome outcome, boolean transactionOpen) {
        if (outcome instanceof Outcome.NotSent notSent) {
            return new Verdict(notSent.code(), notSent.text(), List.of(), notSent.source(), null, null);
        }
        Outcome.Failed failed;
        if (outcome instanceof Outcome.Replied replied) {
            PmilterResponse.Reply reply = replied.reply();
            String violation = violation(command, reply, transactionOpen);
            if (reply.code() == ReplyCode.ERROR) {
                failed = new Outcome.Failed(PmilterFailure.ERROR_REPLY, "pmilter answered ERROR to " + command
                        + (reply.text() == null ? "" : " (" + reply.text() + ")"));
            } else if (violation != null) {
                failed = new Outcome.Failed(PmilterFailure.PROTOCOL_VIOLATION, violation);
            } else {
                String text = reply.text() != null ? reply.text() : reply.code().defaultText();
                return new Verdict(reply.code(), text, reply.modifications(), ReplySource.PMILTER, null, null);
            }
        } else {
            failed = (Outcome.Failed) outcome;
        }
        return applyFailurePolicy(command, failed);
    }

    private String violation(Command command, PmilterResponse.Reply reply, boolean transactionOpen) {
        if (reply.code() == ReplyCode.DISCARD && !transactionOpen) {
            return "DISCARD in reply to " + command + " outside a transaction (expected: DISCARD from MAIL on)";
        }
        for (PmilterModification modification : reply.modifications()) {
            if (!modification.kind().capability().isSetIn(settings.offeredCaps())) {
                return "modification " + modification.kind() + " needs " + modification.kind().capability()
                        + ", which smtps did not offer";
            }
        }
        return null;
    }

    private Verdict applyFailurePolicy(Command command, Outcome.Failed failed) {
        LOG.info("session {}: {} failed ({}: {}); applying policy_milter flags {}", seid, command, failed.failure(),
                failed.detail(), policy.flagName());
        if (bound != null) {
            link.drop(bound);
            bound = null;
        }
        return switch (policy) {
            case ABORT -> new Verdict(ReplyCode.SHUTDOWN, Meta1Replies.FAILURE_ABORT, List.of(),
                    ReplySource.FAILURE_POLICY, failed.failure(), failed.detail());
            case ACCEPT_BUT_RECONNECT -> {
                filter = FilterState.UNFILTERED;
                yield new Verdict(ReplyCode.CONTINUE, null, List.of(), ReplySource.FAILURE_POLICY, failed.failure(),
                        failed.detail());
            }
            case TEMPFAIL -> {
                filter = FilterState.DETACHED;
                yield new Verdict(ReplyCode.TEMPFAIL, Meta1Replies.FAILURE_TEMPFAIL, List.of(),
                        ReplySource.FAILURE_POLICY, failed.failure(), failed.detail());
            }
        };
    }

    // ---- state changes ------------------------------------------------------------------------

    private Transaction startTransaction(SessionStep.Mail step, Verdict verdict) {
        transaction = new Transaction(step);
        seen(transaction, verdict);
        return transaction;
    }

    private void decideIfNew(Transaction current, Verdict verdict) {
        if (verdict.source() != ReplySource.ALREADY_DECIDED && verdict.source() != ReplySource.UNFILTERED
                && verdict.source() != ReplySource.NOT_REQUESTED && current.decision == null) {
            current.decision = new Decision(verdict.code(), verdict.text());
        }
    }

    private void seen(Transaction current, Verdict verdict) {
        if (verdict.source() == ReplySource.PMILTER) {
            current.seenByPmilter = true;
        }
    }

    private void acceptSessionIfPmilter(Verdict verdict) {
        if (verdict.source() == ReplySource.PMILTER) {
            filter = FilterState.ACCEPTED_SESSION;
        }
    }

    private void shutdown(Verdict verdict) {
        endSession(verdict.source() == ReplySource.FAILURE_POLICY
                ? SessionEnd.ABORTED_BY_FAILURE_POLICY : SessionEnd.SHUTDOWN);
    }

    /** Ends the SMTP session; if the pmilter knows it, tells it with CLOSE (which gets no reply). */
    private void endSession(SessionEnd how) {
        end = how;
        LinkConnection conn = bound;
        bound = null;
        if (conn != null) {
            conn.connection().send(requests.close()).whenComplete((ignored, error) -> {
                if (error != null) {
                    LOG.debug("session {}: CLOSE not delivered: {}", seid, error.toString());
                }
            });
        }
    }

    private void finish() {
        SessionEnd how = end == null ? SessionEnd.COMPLETED : end;
        done.complete(new SessionResult(script.name(), seid, results, how,
                ExpectationChecker.check(script.expectations(), results, how),
                Duration.ofNanos(System.nanoTime() - startNanos)));
    }

    private void crash(Throwable error) {
        LinkConnection conn = bound;
        bound = null;
        if (conn != null) {
            conn.connection().send(requests.close());
        }
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

    private static CompletableFuture<Asked> completed(Outcome outcome, boolean resynchronised, long start) {
        return CompletableFuture.completedFuture(new Asked(outcome, resynchronised, start));
    }

    private IllegalStateException impossible(Verdict verdict) {
        return new IllegalStateException("session " + seid + ": verdict " + verdict + " cannot reach this point");
    }
}
