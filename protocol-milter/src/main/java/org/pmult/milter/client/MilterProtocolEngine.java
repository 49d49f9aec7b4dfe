package org.pmult.milter.client;

import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import org.pmult.milter.codec.MilterCodecException;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The protocol side of one Milter client connection, without sockets, timers or threads: the
 * {@link MilterClientState} machine over the {@link MilterStepQueue}, what may be sent in each state,
 * what is expected next and what each reply means (Postfix milter8.c's event handlers). It is driven
 * by named events — a call submitted, the socket connected, a command written, a reply, a timeout,
 * the filter closing — and says what it wants done through its {@link MilterConnection}: write this,
 * expect a reply within that, close. Touched only on the session's event loop.
 */
final class MilterProtocolEngine {

    private final String peer;
    private final MilterClientSettings settings;
    private final Promise<NegotiatedOptions> negotiation;
    private final MilterConnection connection;
    private final MilterClientReporter report;
    private final MilterStepQueue steps = new MilterStepQueue();
    private final ConnectionRecycling recycling = new ConnectionRecycling();
    private final MacrosCommandCache macrosCommands = new MacrosCommandCache();
    // Made once: draining runs for every step.
    private final BooleanSupplier negotiated = () -> !this.state.awaitsNegotiation();
    private final Consumer<MilterStep> start = this::start;

    /** Volatile for {@link #state()} from other threads; written only on the event loop. */
    private volatile MilterClientState state = MilterClientState.NEW;
    private NegotiatedOptions options;
    private long sentAtNanos;
    /** The answer in REJECT_CONNECTION (the rejection) and in ERROR/CLOSED (the default action). */
    private MilterVerdict storedVerdict;
    /** Commands no reply follows were handed to the connection and not flushed yet. */
    private boolean unflushed;

    MilterProtocolEngine(String peer, MilterClientSettings settings, Promise<NegotiatedOptions> negotiation,
                         MilterConnection connection, MilterClientReporter report) {
        this.peer = peer;
        this.settings = settings;
        this.negotiation = negotiation;
        this.connection = connection;
        this.report = report;
    }

    MilterClientState state() {
        return state;
    }

    /** The negotiated options; null until the negotiation succeeded. */
    NegotiatedOptions options() {
        return options;
    }

    boolean reused() {
        return recycling.reused();
    }

    /** The stage of the step in flight, or CLOSE when idle: where a failure of the connection counts. */
    MilterStage currentStage() {
        MilterStep step = steps.inFlight();
        return step == null ? MilterStage.CLOSE : step.stage;
    }

    // ---------------------------------------------------------------- event: a call is submitted

    void submit(MilterStep step) {
        // Closing while negotiating or while a reply is outstanding (the MTA side went away): quit at
        // once instead of holding the milter connection until that reply's timeout.
        if (step instanceof MilterStep.Close close && (state.awaitsNegotiation() || steps.inFlight() != null)) {
            closeNow(close);
            return;
        }
        steps.add(step);
        drain();
    }

    /**
     * Starts what waits; then, unless this runs inside a drain already (a caller submitting from its
     * answer), flushes the commands handed over without a flush: consecutive no-reply commands leave
     * in one write, with the command after them when that one awaits a reply.
     */
    private void drain() {
        steps.drain(negotiated, start);
        if (unflushed && !steps.draining()) {
            unflushed = false;
            connection.flush();
        }
    }

    private void start(MilterStep step) {
        switch (state.dispose(step.stage)) {
            case WAIT -> throw new IllegalStateException(peer + ": bad state " + state + " to start " + step.stage.tag());
            case ILLEGAL -> {
                step.release();
                step.failCaller(new IllegalStateException(peer + ": " + step.stage.tag()
                        + " is not allowed in state " + state));
            }
            case ANSWER_STORED -> answer(step, storedVerdict);
            case ANSWER_SKIP -> answer(step, MilterVerdict.SKIP);
            case ANSWER_CONTINUE -> {
                if (step instanceof MilterStep.Close close) {
                    closeNow(close);
                    return;
                }
                state = state.next(step.stage);
                answer(step, MilterVerdict.CONTINUE);
            }
            case SEND -> {
                if (step instanceof MilterStep.Close close) {
                    end(close);
                    return;
                }
                state = state.next(step.stage);
                if (!options.sends(step.stage) || step.isEmpty()) {
                    answer(step, MilterVerdict.CONTINUE);
                    return;
                }
                steps.fly(step);
                recycling.stepSent(step.stage);
                send(step, true);
            }
        }
    }

    private static void answer(MilterStep step, MilterVerdict verdict) {
        step.release();
        step.succeed(verdict);
    }

    private void finish(MilterStep step, MilterVerdict verdict) {
        steps.land();
        answer(step, verdict);
        drain();
    }

    // ---------------------------------------------------------------- events: connecting and negotiating

    /** The session starts: NEW → CONNECTING. False if it had started already. */
    boolean begin() {
        if (state != MilterClientState.NEW) {
            return false;
        }
        state = MilterClientState.CONNECTING;
        return true;
    }

    /** The socket is up: CONNECTING → NEGOTIATING, sending SMFIC_OPTNEG with {@code offered}. */
    void connected(MilterCommand.OptionNegotiation offered) {
        state = MilterClientState.NEGOTIATING;
        MilterStep step = new MilterStep.Negotiation(offered);
        steps.fly(step);
        send(step, false);
    }

    /** The attempt ended without a negotiation and another follows: back to CONNECTING. */
    void retrying() {
        steps.land();
        state = MilterClientState.CONNECTING;
    }

    private void negotiated(MilterStep.Negotiation step, MilterReply.OptionNegotiation reply) {
        NegotiatedOptions negotiated;
        try {
            negotiated = NegotiatedOptions.negotiate(step.offer(), reply);
        } catch (MilterCodecException e) {
            connection.attemptFailed(MilterFailure.Kind.PROTOCOL, e.getMessage(), false);
            return;
        }
        connection.negotiated();
        options = negotiated;
        report.negotiated(negotiated, System.nanoTime() - sentAtNanos);
        state = MilterClientState.READY;
        steps.land();
        negotiation.trySuccess(negotiated);
        drain();
    }

    // ---------------------------------------------------------------- events: writing

    private void send(MilterStep step, boolean withMacros) {
        MilterCommand command = step.nextCommand();
        MilterCommand.Macros macros = withMacros && !step.macros.isEmpty() ? macrosCommands.get(step.stage, step.macros) : null;
        recycling.writing(command);
        sentAtNanos = System.nanoTime();
        if (step instanceof MilterStep.Close || MilterReplyRules.awaitsReply(step, options)) {
            unflushed = false; // this write flushes what was handed over before it
            connection.write(step, macros, command);
            return;
        }
        // No reply comes (SMFIP_NR_*, or SMFIC_ABORT): the step ends once its commands are handed to
        // the channel, unflushed, so the next ones join them in one write; drain() flushes. A write
        // that fails later fails the connection (unansweredWriteFailed).
        unflushed = true;
        connection.writeUnanswered(step, macros, command);
        while (step == steps.inFlight() && step.hasMore()) {
            command = step.nextCommand();
            recycling.writing(command);
            connection.writeUnanswered(step, null, command);
        }
        if (step == steps.inFlight()) {
            finish(step, MilterVerdict.CONTINUE);
        }
    }

    /** {@code step}'s command was written (one that awaits a reply, or SMFIC_QUIT_NC): expect its reply, or finish it. */
    void written(MilterStep step) {
        if (step != steps.inFlight()) {
            return; // the step already ended (the session failed or closed)
        }
        connection.cancelTimer();
        if (step instanceof MilterStep.Close kept) {
            steps.land(); // SMFIC_QUIT_NC is out: the connection is ready for the next session
            kept.complete(true);
            drain();
        } else {
            Duration timeout = replyTimeout(step);
            connection.expectReply(step, timeout, "no reply to " + step.commandName() + " within " + LogText.format(timeout));
        }
    }

    /** Writing {@code step} failed. */
    void writeFailed(MilterStep step, MilterFailure.Kind kind, String message) {
        if (step == steps.inFlight()) {
            fail(step.stage, kind, message);
        }
    }

    /**
     * Writing a command of {@code step}, which needs no reply and has ended already, failed or did
     * not complete in time: the connection fails as if a reply were missing.
     */
    void unansweredWriteFailed(MilterStep step, MilterFailure.Kind kind, String message) {
        if (!state.awaitsNegotiation()) {
            fail(step.stage, kind, message);
        }
    }

    private Duration replyTimeout(MilterStep step) {
        if (step.stage == MilterStage.EOM) {
            return settings.eomTimeout();
        }
        if (recycling.awaitsFirstConnectReply(step.stage)) {
            return ConnectionRecycling.keptConnectTimeout(settings.readTimeout());
        }
        return settings.readTimeout();
    }

    // ---------------------------------------------------------------- event: a reply

    /** The filter sent {@code reply}; the engine takes ownership of it. */
    void replied(MilterReply reply) {
        if (state.hasEnded()) {
            ReferenceCountUtil.release(reply);
            return;
        }
        MilterStep step = steps.inFlight();
        MilterReplyRules.Meaning meaning = MilterReplyRules.interpret(step, reply, options);
        if (meaning instanceof MilterReplyRules.Negotiated offerAnswered) {
            negotiated((MilterStep.Negotiation) step, offerAnswered.reply());
        } else if (meaning instanceof MilterReplyRules.Answer answer) {
            verdict(step, answer.verdict());
        } else if (meaning instanceof MilterReplyRules.Modify modify) {
            ((MilterStep.EndOfMessage) step).add(modify.modification());
        } else if (meaning instanceof MilterReplyRules.Progress) {
            Duration timeout = settings.eomTimeout();
            connection.expectReply(step, timeout, "no reply to " + step.commandName() + " within "
                    + LogText.format(timeout) + " after the last SMFIR_PROGRESS");
        } else if (meaning instanceof MilterReplyRules.Violation violation) {
            fail(currentStage(), MilterFailure.Kind.PROTOCOL, violation.message());
        }
    }

    private void verdict(MilterStep step, MilterVerdict verdict) {
        connection.cancelTimer();
        report.answered(step, verdict, System.nanoTime() - sentAtNanos);
        recycling.answered(step.stage, verdict);
        if (verdict == MilterVerdict.CONTINUE && step.hasMore()) {
            send(step, false);
            return;
        }
        MilterClientState after = state.afterVerdict(step.stage, verdict);
        if (after == MilterClientState.REJECT_CONNECTION && state != MilterClientState.REJECT_CONNECTION) {
            storedVerdict = verdict;
        }
        state = after;
        finish(step, verdict);
    }

    // ---------------------------------------------------------------- events: the filter closes, a timer expires

    /**
     * The filter closed the connection after the negotiation (or it broke); {@code shuttingDown}:
     * pmult closed it, shutting down.
     */
    void closedByPeer(boolean shuttingDown) {
        switch (state) {
            case READY, ENVELOPE, MESSAGE, SKIPPING_BODY, ACCEPT_MESSAGE -> {
                MilterStep step = steps.inFlight();
                if (state == MilterClientState.READY && steps.isIdle()) {
                    closedWhileIdle(shuttingDown);
                    return;
                }
                fail(currentStage(), MilterFailure.Kind.CLOSED, step == null
                        ? "connection closed by the milter"
                        : "connection closed while waiting for the reply to " + step.commandName());
            }
            case ACCEPT_CONNECTION, REJECT_CONNECTION -> report.closedAfterConnectionVerdict();
            case NEW, CONNECTING, NEGOTIATING, ERROR, CLOSED -> {
                // the connection handles connect failures and closes during negotiation (retries); the rest we closed
            }
        }
    }

    /**
     * The filter closed a connection that no session is using (kept ready for the next one): nothing
     * to answer, so only the state changes, and nothing counts as a failure.
     */
    private void closedWhileIdle(boolean shuttingDown) {
        boolean reuseRefused = !shuttingDown && recycling.quitNcWasLast();
        String message = ConnectionRecycling.idleCloseReason(shuttingDown, reuseRefused);
        report.closedWhileIdle(message, reuseRefused);
        state = MilterClientState.ERROR;
        storedVerdict = defaultAction(new MilterFailure(MilterFailure.Kind.CLOSED, MilterStage.CLOSE, message));
        connection.cancelTimer();
    }

    /** The write or reply timer of {@code step} expired. */
    void timedOut(MilterStep step, String message) {
        if (step != steps.inFlight()) {
            return;
        }
        if (recycling.awaitsFirstConnectReply(step.stage)) {
            // Not the filter failing a session: it ignored SMFIC_QUIT_NC and this CONNECT with it.
            report.keptConnectionUnanswered(message);
            giveUp(MilterStage.CONNECT, MilterFailure.Kind.TIMEOUT, message + " on a kept connection", false);
            return;
        }
        fail(step.stage, MilterFailure.Kind.TIMEOUT, message);
    }

    // ---------------------------------------------------------------- failing and ending

    /** The session failed: the connection closes and every call answers the default action. */
    void fail(MilterStage stage, MilterFailure.Kind kind, String message) {
        giveUp(stage, kind, message, true);
    }

    /** Closes the connection and answers every call with the default action; {@code failed}: report and log it as a failure. */
    private void giveUp(MilterStage stage, MilterFailure.Kind kind, String message, boolean failed) {
        if (state.hasEnded()) {
            return;
        }
        // Nothing waits for an answer on a connection still negotiating (pmult's reconnect probe);
        // a live session always has its CONNECT queued by then, so it is warned about.
        report.givingUp(message, !failed || (state.awaitsNegotiation() && steps.isIdle()));
        MilterFailure failure = new MilterFailure(kind, stage, message);
        state = MilterClientState.ERROR;
        storedVerdict = defaultAction(failure);
        connection.abandon();
        if (failed) {
            report.failed(stage, kind, message);
        }
        negotiation.tryFailure(new MilterClientException(failure));
        answerInFlight();
        drain();
    }

    private void answerInFlight() {
        MilterStep step = steps.land();
        if (step != null) {
            answer(step, storedVerdict);
        }
    }

    /** A close step's turn came: SMFIC_QUIT_NC and keep the connection if it can serve another session, else quit. */
    private void end(MilterStep.Close close) {
        if (close.keepConnection && recycling.canKeep(state, options)) {
            recycleNow(close);
            return;
        }
        if (close.keepConnection && state == MilterClientState.ENVELOPE) {
            report.quitInsteadOfQuitNc();
        }
        closeNow(close);
    }

    private void recycleNow(MilterStep.Close step) {
        if (state == MilterClientState.READY) {
            step.complete(true); // nothing was sent since the negotiation or the last QUIT_NC
            return;
        }
        report.keepingConnection();
        state = MilterClientState.READY;
        storedVerdict = null;
        macrosCommands.clear(); // the holders belong to the session that ended
        steps.fly(step);
        recycling.kept();
        send(step, false);
    }

    private void closeNow(MilterStep.Close step) {
        MilterClientState before = state;
        state = MilterClientState.CLOSED;
        connection.stop();
        if (before != MilterClientState.ERROR) {
            storedVerdict = defaultAction(new MilterFailure(MilterFailure.Kind.CLOSED, MilterStage.CLOSE,
                    "session closed by pmult"));
        }
        negotiation.tryFailure(new MilterClientException(new MilterFailure(MilterFailure.Kind.CLOSED,
                MilterStage.NEGOTIATE, "session closed before negotiation finished")));
        answerInFlight();
        connection.quit(before != MilterClientState.CONNECTING, () -> step.succeed(null));
        drain();
    }

    private MilterVerdict defaultAction(MilterFailure failure) {
        return new MilterVerdict.DefaultActionApplied(settings.defaultAction(), failure);
    }
}
