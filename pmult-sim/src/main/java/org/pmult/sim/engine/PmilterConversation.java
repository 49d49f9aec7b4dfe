package org.pmult.sim.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.sim.scenario.SessionStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session as the pmilter knows it: the connection it is bound to, whether it is still
 * filtered, and how a command is offered (or why it is not). After a failure with no flag (§10.9)
 * the next command goes over a fresh connection, and the session is replayed there first.
 */
final class PmilterConversation {

    private static final Logger LOG = LoggerFactory.getLogger(PmilterConversation.class);

    /** How the session stands with the pmilter. */
    enum FilterState {
        /** Commands go to the pmilter: on the bound connection, or the first one on the link's connection. */
        FILTERING,
        /** ACCEPT at CONNECT or EHLO: nothing more is asked in this session. */
        ACCEPTED_SESSION,
        /** A failure under accept_but_reconnect: nothing more is asked, everything goes on as CONTINUE. */
        UNFILTERED,
        /** A failure with no flag: the next command goes over a fresh connection, after replaying the session there. */
        DETACHED
    }

    /** A command replayed on a fresh connection. */
    private record Replay(Command command, Function<LinkConnection, PmilterRequest.SessionRequest> request) {
    }

    private final String seid;
    private final PolicyMilterLink link;
    private final SessionRequests requests;

    private FilterState filter = FilterState.FILTERING;
    /** The connection on which the pmilter knows this session, or null. */
    private LinkConnection bound;
    private SessionStep.Connect connectStep;
    /** The last EHLO/HELO that was not refused (replayed on a fresh connection), or null. */
    private SessionStep.Ehlo greeting;

    PmilterConversation(String seid, PolicyMilterLink link, SessionRequests requests) {
        this.seid = seid;
        this.link = link;
        this.requests = requests;
    }

    FilterState filter() {
        return filter;
    }

    /** Whether the pmilter knows this session on a connection now. */
    boolean isBound() {
        return bound != null;
    }

    /** The session's CONNECT, replayed first on a fresh connection. */
    void connected(SessionStep.Connect step) {
        connectStep = step;
    }

    /** The greeting to replay on a fresh connection; null once one was refused. */
    void greeted(SessionStep.Ehlo step) {
        greeting = step;
    }

    /** ACCEPT at CONNECT or EHLO: nothing more is asked in this session. */
    void acceptSession() {
        filter = FilterState.ACCEPTED_SESSION;
    }

    /** After a failure: the connection is given up (the link opens a fresh one when asked). */
    void dropConnection() {
        if (bound != null) {
            link.drop(bound);
            bound = null;
        }
    }

    /** After a failure under accept_but_reconnect: nothing more is asked. */
    void stopFiltering() {
        filter = FilterState.UNFILTERED;
    }

    /** After a failure with no flag: the next command goes over a fresh connection. */
    void detach() {
        filter = FilterState.DETACHED;
    }

    /**
     * Offers a command to the pmilter, or says why it is not sent: a settled transaction, a settled or
     * unfiltered session, or a stage the pmilter did not ask for. A detached session is first replayed
     * on a fresh connection.
     *
     * @param transaction the open transaction (replayed too), or null
     */
    CompletableFuture<Asked> ask(Command command, SmtpTransaction transaction, boolean inTransaction,
            Function<LinkConnection, PmilterRequest.SessionRequest> request) {
        long start = System.nanoTime();
        if (inTransaction && transaction != null && transaction.decision != null) {
            SmtpTransaction.Decision decision = transaction.decision;
            return Asked.completed(new Outcome.NotSent(ReplySource.ALREADY_DECIDED, decision.code(), decision.text()), false, start);
        }
        switch (filter) {
            case UNFILTERED -> {
                return Asked.completed(new Outcome.NotSent(ReplySource.UNFILTERED, ReplyCode.CONTINUE, null), false, start);
            }
            case ACCEPTED_SESSION -> {
                return Asked.completed(new Outcome.NotSent(ReplySource.ALREADY_DECIDED, ReplyCode.ACCEPT, null), false, start);
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
                List<Replay> replays = replay ? replaysBefore(command, transaction) : List.of();
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

    /** Sends ABORT on the bound connection: it has no stage bit and is not covered by an earlier ACCEPT. */
    CompletableFuture<Outcome> abort() {
        return Outcome.send(bound, requests.abort());
    }

    /** Ends the session with the pmilter: CLOSE (which gets no reply) if it knows the session. */
    void close() {
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

    private CompletableFuture<Asked> sendOn(LinkConnection conn, Command command,
            Function<LinkConnection, PmilterRequest.SessionRequest> request, boolean resynchronised, long start) {
        if (!conn.wants(command)) {
            return Asked.completed(new Outcome.NotSent(ReplySource.NOT_REQUESTED, ReplyCode.CONTINUE, null), resynchronised, start);
        }
        return Outcome.send(conn, request.apply(conn)).thenApply(outcome -> new Asked(outcome, resynchronised, start));
    }

    /**
     * What a fresh connection must hear before {@code pending} so the pmilter knows the session: CONNECT,
     * the accepted EHLO, and inside a transaction its MAIL and accepted recipients.
     */
    private List<Replay> replaysBefore(Command pending, SmtpTransaction transaction) {
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
        if (transaction != null) {
            replays.add(new Replay(Command.MAIL, conn -> requests.mail(conn, transaction.mail)));
            for (SmtpTransaction.AcceptedRecipient recipient : List.copyOf(transaction.accepted)) {
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
}
