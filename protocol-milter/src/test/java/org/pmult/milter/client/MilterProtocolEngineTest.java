package org.pmult.milter.client;

import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol engine on its own, without sockets, timers or threads (Postfix milter8.c's state ×
 * event discipline): each test feeds it events — connected, written, a reply, a timeout, the filter
 * closing — and reads what it asks its connection to do and what the caller gets.
 */
class MilterProtocolEngineTest {

    private static final Duration READ = Duration.ofSeconds(10);
    private static final Duration EOM = Duration.ofSeconds(30);
    private static final MilterCommand.OptionNegotiation OFFER = new MilterCommand.OptionNegotiation(6,
            MilterCodes.V6_ACTIONS, MilterCodes.V6_PROTOCOL);
    private static final MilterMacros CONNECT_MACROS = MilterMacros.of(MilterMacroNames.of("j"), "mx.example");

    private final RecordingConnection wire = new RecordingConnection();
    private final Promise<NegotiatedOptions> negotiation = ImmediateEventExecutor.INSTANCE.newPromise();
    private final MilterClientSettings settings = MilterClientSettings.builder("test")
            .readTimeout(READ).eomTimeout(EOM).build();
    private final MilterProtocolEngine engine = new MilterProtocolEngine("milter \"test\"", settings, negotiation,
            wire, new MilterClientReporter("milter \"test\"", settings));

    // ---------------------------------------------------------------- negotiation

    @Test
    void sendsTheOfferOnceConnectedAndIsReadyWhenTheFilterAnswersIt() {
        assertTrue(engine.begin());
        assertEquals(MilterClientState.CONNECTING, engine.state());
        assertFalse(engine.begin(), "starts once");

        engine.connected(OFFER);                                    // socket up
        assertEquals(MilterClientState.NEGOTIATING, engine.state());
        assertSame(OFFER, wire.lastCommand());                      // pmult sends SMFIC_OPTNEG
        engine.written(wire.lastStep());
        assertEquals(READ, wire.expectedWithin);                    // and waits for the answer

        engine.replied(optionNegotiation(0));                       // filter answers SMFIR_OPTNEG
        assertEquals(MilterClientState.READY, engine.state());
        assertTrue(wire.negotiated);
        assertEquals(6, negotiation.getNow().version());
    }

    @Test
    void anOfferAnsweredWithMoreThanOfferedEndsTheAttempt() {
        connect();
        engine.replied(new MilterReply.OptionNegotiation(7, MilterCodes.V6_ACTIONS, 0, Map.of()));
        assertEquals(List.of("attempt failed PROTOCOL"), wire.attemptFailures);
        assertFalse(negotiation.isDone(), "the connection decides whether to try again");
    }

    @Test
    void anythingButOptionNegotiationInReplyToTheOfferIsAProtocolFailure() {
        connect();
        engine.replied(MilterReply.CONTINUE);
        assertEquals(MilterClientState.ERROR, engine.state());
        assertTrue(wire.abandoned);
        assertFalse(negotiation.isSuccess());
    }

    @Test
    void callsWaitUntilTheNegotiationIsDoneThenGoOutInOrderOneAtATime() {
        connect();
        Future<MilterVerdict> connect = connectCall();
        Future<MilterVerdict> helo = heloCall();
        assertEquals(1, wire.commands.size(), "only SMFIC_OPTNEG so far");

        engine.replied(optionNegotiation(0));
        assertEquals(Command.CONNECT, wire.lastCommand().command());     // pmult sends CONNECT, with its macros
        assertSame(CONNECT_MACROS, wire.lastMacros.macros());
        engine.written(wire.lastStep());
        assertEquals(2, wire.commands.size(), "HELO waits for CONNECT's reply");

        engine.replied(MilterReply.CONTINUE);                       // filter: continue
        assertSame(MilterVerdict.CONTINUE, connect.getNow());
        assertEquals(Command.HELO, wire.lastCommand().command());   // now HELO goes out
        assertFalse(helo.isDone());
    }

    // ---------------------------------------------------------------- what may be sent in each state

    @Test
    void heloBeforeConnectFailsThatCallOnly() {
        negotiate(0);
        Future<MilterVerdict> helo = heloCall();
        assertInstanceOf(IllegalStateException.class, helo.cause());
        assertEquals(MilterClientState.READY, engine.state());
        assertEquals(1, wire.commands.size(), "nothing sent after SMFIC_OPTNEG");
    }

    @Test
    void aStageTheFilterSwitchedOffAnswersContinueWithoutSending() {
        negotiate(ProtocolFlag.NOHELO.bit());
        answer(connectCall(), MilterReply.CONTINUE);
        int sent = wire.commands.size();
        assertSame(MilterVerdict.CONTINUE, heloCall().getNow());
        assertEquals(sent, wire.commands.size());
    }

    @Test
    void aStageTheFilterWillNotAnswerCompletesOnceHandedToTheConnection() {
        negotiate(ProtocolFlag.NR_HELO.bit());
        answer(connectCall(), MilterReply.CONTINUE);
        wire.expectedWithin = null;
        Future<MilterVerdict> helo = heloCall();
        assertSame(MilterVerdict.CONTINUE, helo.getNow());
        assertEquals(Command.HELO, wire.lastCommand().command());
        assertEquals(List.of(Command.HELO), wire.flushes.get(wire.flushes.size() - 1), "flushed: nothing follows");
        assertNull(wire.expectedWithin, "no reply awaited");
    }

    @Test
    void aRejectedConnectionRepeatsTheRejectionWithoutSending() {
        negotiate(0);
        assertSame(MilterVerdict.REJECT, answer(connectCall(), MilterReply.REJECT));
        assertEquals(MilterClientState.REJECT_CONNECTION, engine.state());
        int sent = wire.commands.size();
        assertSame(MilterVerdict.REJECT, heloCall().getNow());
        assertEquals(sent, wire.commands.size());
    }

    /**
     * The state × event table (milter8.c's event handlers): what a call does in each state. "sends"
     * means the command goes to the filter; otherwise the caller gets the answer at once, or an
     * IllegalStateException for a call out of SMTP order.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            #  state            | HELO     | RCPT     | BODY     | EOM      | ABORT
            READY               | illegal  | illegal  | illegal  | illegal  | CONTINUE
            ENVELOPE            | sends    | sends    | sends    | sends    | sends
            MESSAGE             | illegal  | illegal  | sends    | sends    | sends
            SKIPPING_BODY       | illegal  | illegal  | SKIP     | sends    | sends
            ACCEPT_MESSAGE      | sends    | CONTINUE | CONTINUE | CONTINUE | sends
            ACCEPT_CONNECTION   | CONTINUE | CONTINUE | CONTINUE | CONTINUE | CONTINUE
            REJECT_CONNECTION   | REJECT   | REJECT   | REJECT   | REJECT   | REJECT
            ERROR               | default  | default  | default  | default  | default
            CLOSED              | default  | default  | default  | default  | default
            """)
    void whatACallDoesInEachState(MilterClientState state, String helo, String rcpt, String body, String eom,
                                  String abort) {
        assertEquals(helo, new MilterProtocolEngineTest().outcomeIn(state, MilterStage.HELO), "HELO");
        assertEquals(rcpt, new MilterProtocolEngineTest().outcomeIn(state, MilterStage.RCPT), "RCPT");
        assertEquals(body, new MilterProtocolEngineTest().outcomeIn(state, MilterStage.BODY), "BODY");
        assertEquals(eom, new MilterProtocolEngineTest().outcomeIn(state, MilterStage.EOM), "EOM");
        assertEquals(abort, new MilterProtocolEngineTest().outcomeIn(state, MilterStage.ABORT), "ABORT");
    }

    /** Drives this engine into {@code state}, calls {@code stage} and tells what happened. */
    private String outcomeIn(MilterClientState state, MilterStage stage) {
        into(state);
        assertEquals(state, engine.state(), "driven into");
        int sent = wire.commands.size();
        Future<?> call = switch (stage) {
            case BODY -> {
                Promise<MilterVerdict> promise = ImmediateEventExecutor.INSTANCE.newPromise();
                engine.submit(new MilterStep.Body(MilterMacros.EMPTY, Unpooled.copiedBuffer(new byte[] {'x'}), promise));
                yield promise;
            }
            case EOM -> {
                Promise<MilterEndOfMessage> promise = ImmediateEventExecutor.INSTANCE.newPromise();
                engine.submit(new MilterStep.EndOfMessage(MilterMacros.EMPTY, promise));
                yield promise;
            }
            default -> call(stage, stage == MilterStage.RCPT ? new MilterCommand.Rcpt("<r@example.org>", List.of())
                    : stage == MilterStage.HELO ? new MilterCommand.Helo("client.example") : MilterCommand.ABORT);
        };
        String outcome;
        if (wire.commands.size() > sent) {
            outcome = "sends";
        } else if (!call.isSuccess()) {
            assertInstanceOf(IllegalStateException.class, call.cause());
            outcome = "illegal";
        } else {
            Object answer = call.getNow();
            MilterVerdict verdict = answer instanceof MilterEndOfMessage end ? end.verdict() : (MilterVerdict) answer;
            outcome = verdict.isDefaultAction() ? "default" : verdict.type().name();
        }
        // every body buffer goes: the step in flight is answered, the chunks "written" are dropped
        engine.fail(MilterStage.CLOSE, MilterFailure.Kind.CLOSED, "test over");
        wire.commands.forEach(ReferenceCountUtil::release);
        return outcome;
    }

    private void into(MilterClientState state) {
        negotiate(ProtocolFlag.SKIP.bit());
        switch (state) {
            case READY -> { }
            case ENVELOPE -> answer(connectCall(), MilterReply.CONTINUE);
            case MESSAGE -> {
                answer(connectCall(), MilterReply.CONTINUE);
                answer(call(MilterStage.DATA, MilterCommand.DATA), MilterReply.CONTINUE);
            }
            case SKIPPING_BODY -> {
                answer(connectCall(), MilterReply.CONTINUE);
                Promise<MilterVerdict> body = ImmediateEventExecutor.INSTANCE.newPromise();
                engine.submit(new MilterStep.Body(MilterMacros.EMPTY, Unpooled.copiedBuffer(new byte[] {'x'}), body));
                answer(body, MilterReply.SKIP);
            }
            case ACCEPT_MESSAGE -> {
                answer(connectCall(), MilterReply.CONTINUE);
                answer(call(MilterStage.MAIL, new MilterCommand.Mail("<a@example.org>", List.of())), MilterReply.ACCEPT);
            }
            case ACCEPT_CONNECTION -> answer(connectCall(), MilterReply.ACCEPT);
            case REJECT_CONNECTION -> answer(connectCall(), MilterReply.REJECT);
            case ERROR -> {
                connectCall();
                engine.timedOut(wire.lastStep(), "no reply");
            }
            case CLOSED -> engine.submit(new MilterStep.Close(ImmediateEventExecutor.INSTANCE.newPromise(), false));
            case NEW, CONNECTING, NEGOTIATING -> throw new IllegalArgumentException("calls wait in " + state);
        }
    }

    // ---------------------------------------------------------------- what each reply means

    @Test
    void aModificationOutsideEndOfMessageIsAProtocolFailure() {
        negotiate(0);
        MilterVerdict verdict = answer(connectCall(), new MilterReply.AddHeader("X-Test", "1"));
        MilterVerdict.DefaultActionApplied applied = assertInstanceOf(MilterVerdict.DefaultActionApplied.class, verdict);
        assertEquals(MilterFailure.Kind.PROTOCOL, applied.failure().kind());
        assertEquals(MilterClientState.ERROR, engine.state());
        assertTrue(wire.abandoned);
        assertSame(verdict, heloCall().getNow(), "every later call answers the stored default action");
    }

    @Test
    void endOfMessageCollectsModificationsAndEachProgressRestartsItsTimer() {
        negotiate(0);
        answer(connectCall(), MilterReply.CONTINUE);
        answer(call(MilterStage.MAIL, new MilterCommand.Mail("<a@example.org>", List.of())), MilterReply.CONTINUE);
        Promise<MilterEndOfMessage> eom = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.EndOfMessage(MilterMacros.EMPTY, eom));
        engine.written(wire.lastStep());
        assertEquals(EOM, wire.expectedWithin);                     // end of message has its own timeout

        engine.replied(new MilterReply.AddHeader("X-Test", "1"));   // filter: add a header
        wire.expectedWithin = null;
        engine.replied(MilterReply.PROGRESS);                       // filter: still working
        assertEquals(EOM, wire.expectedWithin);
        engine.replied(MilterReply.ACCEPT);                         // filter: accept

        assertSame(MilterVerdict.ACCEPT, eom.getNow().verdict());
        // without SMFIP_HDR_LEADSPC the value gets back the space after the colon, as Sendmail adds it
        assertEquals(List.of(new MilterReply.AddHeader("X-Test", " 1")), eom.getNow().modifications());
        assertEquals(MilterClientState.ENVELOPE, engine.state());
    }

    @Test
    void aReplyWhileNoCommandAwaitsOneIsAProtocolFailure() {
        negotiate(0);
        engine.replied(MilterReply.CONTINUE);
        assertEquals(MilterClientState.ERROR, engine.state());
    }

    @Test
    void aReplyTimeoutAppliesTheDefaultAction() {
        negotiate(0);
        Future<MilterVerdict> connect = connectCall();
        engine.written(wire.lastStep());
        engine.timedOut(wire.lastStep(), wire.onExpiry);
        MilterVerdict.DefaultActionApplied applied = assertInstanceOf(MilterVerdict.DefaultActionApplied.class,
                connect.getNow());
        assertEquals(MilterFailure.Kind.TIMEOUT, applied.failure().kind());
        assertEquals("no reply to SMFIC_CONNECT within 10s", applied.failure().message());
    }

    // ---------------------------------------------------------------- the filter closing, pmult closing

    @Test
    void theFilterClosingAnIdleConnectionFailsNothing() {
        negotiate(0);
        engine.closedByPeer(false);
        assertEquals(MilterClientState.ERROR, engine.state());
        assertFalse(wire.abandoned, "nobody was waiting: nothing to give up");
    }

    @Test
    void theFilterClosingWhileAReplyIsOutstandingAnswersTheDefaultAction() {
        negotiate(0);
        Future<MilterVerdict> connect = connectCall();
        engine.written(wire.lastStep());
        engine.closedByPeer(false);
        MilterVerdict.DefaultActionApplied applied = assertInstanceOf(MilterVerdict.DefaultActionApplied.class,
                connect.getNow());
        assertEquals(MilterFailure.Kind.CLOSED, applied.failure().kind());
    }

    @Test
    void closingWhileAReplyIsOutstandingQuitsAtOnce() {
        negotiate(0);
        Future<MilterVerdict> connect = connectCall();
        Promise<Void> closed = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.Close(closed, false));
        assertEquals(List.of(true), wire.quits, "SMFIC_QUIT, then close");
        assertTrue(closed.isSuccess());
        assertTrue(connect.getNow().isDefaultAction());
        assertEquals(MilterClientState.CLOSED, engine.state());
    }

    // ---------------------------------------------------------------- recycling (SMFIC_QUIT_NC)

    @Test
    void afterEndOfMessageAnsweredContinueTheConnectionIsKeptWithQuitNc() {
        negotiate(0);
        answer(connectCall(), MilterReply.CONTINUE);
        Promise<MilterEndOfMessage> eom = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.EndOfMessage(MilterMacros.EMPTY, eom));
        engine.written(wire.lastStep());
        engine.replied(MilterReply.CONTINUE);

        Promise<Boolean> kept = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.Close(kept, true));
        assertSame(MilterCommand.QUIT_NEW_CONNECTION, wire.lastCommand());  // pmult sends SMFIC_QUIT_NC
        engine.written(wire.lastStep());
        assertTrue(kept.getNow());
        assertEquals(MilterClientState.READY, engine.state());
        assertTrue(engine.reused());

        connectCall();                                              // the next session's CONNECT
        engine.written(wire.lastStep());
        assertEquals(READ.dividedBy(2), wire.expectedWithin, "a kept connection's first CONNECT waits half as long");
    }

    @Test
    void afterAnAcceptedEndOfMessageTheConnectionIsClosedNotKept() {
        negotiate(0);
        answer(connectCall(), MilterReply.CONTINUE);
        Promise<MilterEndOfMessage> eom = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.EndOfMessage(MilterMacros.EMPTY, eom));
        engine.written(wire.lastStep());
        engine.replied(MilterReply.ACCEPT);                         // libmilter would drop QUIT_NC here

        Promise<Boolean> kept = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.Close(kept, true));
        assertEquals(List.of(true), wire.quits);
        assertFalse(kept.getNow());
    }

    @Test
    void theFilterClosingRightAfterQuitNcRefusesReuseWithoutFailingAnything() {
        negotiate(0);
        answer(connectCall(), MilterReply.CONTINUE);
        answer(call(MilterStage.UNKNOWN, new MilterCommand.Unknown("XYZZY")), MilterReply.REJECT);
        Promise<Boolean> kept = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.Close(kept, true));
        engine.written(wire.lastStep());
        assertTrue(kept.getNow());

        engine.closedByPeer(false);                                 // mailfromd hangs up after QUIT_NC
        assertEquals(MilterClientState.ERROR, engine.state());
        assertFalse(wire.abandoned);
    }

    // ---------------------------------------------------------------- no-reply commands and flushing

    @Test
    void noReplyCommandsLeaveInOneFlushWithTheAnsweredCommandAfterThem() {
        negotiate(ProtocolFlag.maskOf(ProtocolFlag.NR_HDR, ProtocolFlag.NR_EOH, ProtocolFlag.NR_BODY));
        answer(connectCall(), MilterReply.CONTINUE);
        answer(call(MilterStage.MAIL, new MilterCommand.Mail("<a@example.org>", List.of())), MilterReply.CONTINUE);
        int before = wire.flushes.size();

        // as pmult's message delivery does: each call once the one before it continued
        Promise<MilterEndOfMessage> eom = ImmediateEventExecutor.INSTANCE.newPromise();
        inTurn(message(), () -> engine.submit(new MilterStep.EndOfMessage(QUEUE_ID, eom)));

        assertEquals(List.of(List.of(Command.MACRO, Command.HEADER, Command.MACRO, Command.HEADER, Command.MACRO,
                Command.EOH, Command.MACRO, Command.BODY, Command.BODY, Command.MACRO, Command.BODYEOB)),
                wire.flushes.subList(before, wire.flushes.size()), "one write, each SMFIC_MACRO with its command");
        assertFalse(eom.isDone(), "end of message waits for its reply");
        engine.written(wire.lastStep());
        assertEquals(EOM, wire.expectedWithin);
        engine.replied(MilterReply.CONTINUE);
        assertSame(MilterVerdict.CONTINUE, eom.getNow().verdict());
    }

    @Test
    void withoutNoReplyFlagsEachCommandIsFlushedAloneAndAnsweredBeforeTheNext() {
        negotiate(0);
        answer(connectCall(), MilterReply.CONTINUE);
        int before = wire.flushes.size();

        inTurn(message(), () -> { });
        List<List<Command>> expected = List.of(List.of(Command.MACRO, Command.HEADER), List.of(Command.MACRO,
                Command.HEADER), List.of(Command.MACRO, Command.EOH), List.of(Command.MACRO, Command.BODY),
                List.of(Command.BODY));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.subList(0, i + 1), wire.flushes.subList(before, wire.flushes.size()),
                    "nothing more goes out before the reply");
            engine.written(wire.lastStep());
            engine.replied(MilterReply.CONTINUE);
        }
        assertEquals(MilterClientState.MESSAGE, engine.state());
    }

    @Test
    void aNoReplyCommandWhoseWriteFailsLaterFailsTheSession() {
        negotiate(ProtocolFlag.NR_HDR.bit());
        answer(connectCall(), MilterReply.CONTINUE);
        Future<MilterVerdict> header = call(MilterStage.HEADER, new MilterCommand.Header("Subject", "hi"));
        assertSame(MilterVerdict.CONTINUE, header.getNow(), "answered once handed to the connection");
        MilterStep written = wire.lastStep();
        Future<MilterVerdict> eoh = call(MilterStage.EOH, MilterCommand.END_OF_HEADERS);

        engine.unansweredWriteFailed(written, MilterFailure.Kind.CLOSED, "cannot send SMFIC_HEADER: broken pipe");

        assertEquals(MilterClientState.ERROR, engine.state());
        assertTrue(wire.abandoned);
        MilterVerdict.DefaultActionApplied failed = assertInstanceOf(MilterVerdict.DefaultActionApplied.class, eoh.getNow());
        assertEquals(MilterStage.HEADER, failed.failure().stage());
        assertEquals("cannot send SMFIC_HEADER: broken pipe", failed.failure().message());
    }

    private static final MilterMacros QUEUE_ID = MilterMacros.of(MilterMacroNames.of("i"), "4AbC");

    /** Two headers, end of headers and a body of two chunks, each with the queue id macro. */
    private static List<Function<Promise<MilterVerdict>, MilterStep>> message() {
        byte[] body = new byte[MilterCodes.MAX_BODY_CHUNK + 1];
        return List.of(
                promise -> new MilterStep.Verdict(MilterStage.HEADER, QUEUE_ID, new MilterCommand.Header("From", "a"), promise),
                promise -> new MilterStep.Verdict(MilterStage.HEADER, QUEUE_ID, new MilterCommand.Header("To", "b"), promise),
                promise -> new MilterStep.Verdict(MilterStage.EOH, QUEUE_ID, MilterCommand.END_OF_HEADERS, promise),
                promise -> new MilterStep.Body(QUEUE_ID, Unpooled.wrappedBuffer(body), promise));
    }

    /** Submits each call once the one before it answered CONTINUE, then runs {@code then}. */
    private void inTurn(List<Function<Promise<MilterVerdict>, MilterStep>> calls, Runnable then) {
        if (calls.isEmpty()) {
            then.run();
            return;
        }
        Promise<MilterVerdict> promise = ImmediateEventExecutor.INSTANCE.newPromise();
        promise.addListener(answered -> {
            if (promise.getNow() == MilterVerdict.CONTINUE) {
                inTurn(calls.subList(1, calls.size()), then);
            }
        });
        engine.submit(calls.get(0).apply(promise));
    }

    // ---------------------------------------------------------------- helpers

    private void connect() {
        engine.begin();
        engine.connected(OFFER);
        engine.written(wire.lastStep());
    }

    private void negotiate(int protocol) {
        connect();
        engine.replied(optionNegotiation(protocol));
    }

    private static MilterReply.OptionNegotiation optionNegotiation(int protocol) {
        return new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, protocol, Map.of());
    }

    private Future<MilterVerdict> connectCall() {
        return call(MilterStage.CONNECT, new MilterCommand.Connect("client.example", MilterCodes.AddressFamily.INET,
                25, "192.0.2.1"), CONNECT_MACROS);
    }

    private Future<MilterVerdict> heloCall() {
        return call(MilterStage.HELO, new MilterCommand.Helo("client.example"));
    }

    private Future<MilterVerdict> call(MilterStage stage, MilterCommand command) {
        return call(stage, command, MilterMacros.EMPTY);
    }

    private Future<MilterVerdict> call(MilterStage stage, MilterCommand command, MilterMacros macros) {
        Promise<MilterVerdict> promise = ImmediateEventExecutor.INSTANCE.newPromise();
        engine.submit(new MilterStep.Verdict(stage, macros, command, promise));
        return promise;
    }

    /** The call was sent; the filter answers it with {@code reply}; returns what the caller got. */
    private MilterVerdict answer(Future<MilterVerdict> call, MilterReply reply) {
        engine.written(wire.lastStep());
        engine.replied(reply);
        return call.getNow();
    }

    /** Records what the engine asks of its connection. */
    private static final class RecordingConnection implements MilterConnection {
        final List<MilterCommand> commands = new ArrayList<>();
        final List<MilterStep> steps = new ArrayList<>();
        final List<String> attemptFailures = new ArrayList<>();
        final List<Boolean> quits = new ArrayList<>();
        /** The commands of each flush (one write on the socket), SMFIC_MACRO included. */
        final List<List<Command>> flushes = new ArrayList<>();
        final List<Command> unflushed = new ArrayList<>();
        MilterCommand.Macros lastMacros;
        Duration expectedWithin;
        String onExpiry;
        boolean negotiated;
        boolean abandoned;

        MilterCommand lastCommand() {
            return commands.get(commands.size() - 1);
        }

        MilterStep lastStep() {
            return steps.get(steps.size() - 1);
        }

        @Override
        public void write(MilterStep step, MilterCommand.Macros macros, MilterCommand command) {
            writeUnanswered(step, macros, command);
            flush();
        }

        @Override
        public void writeUnanswered(MilterStep step, MilterCommand.Macros macros, MilterCommand command) {
            steps.add(step);
            commands.add(command);
            lastMacros = macros;
            if (macros != null) {
                unflushed.add(Command.MACRO);
            }
            unflushed.add(command.command());
        }

        @Override
        public void flush() {
            flushes.add(List.copyOf(unflushed));
            unflushed.clear();
        }

        @Override
        public void expectReply(MilterStep step, Duration timeout, String onExpiry) {
            this.expectedWithin = timeout;
            this.onExpiry = onExpiry;
        }

        @Override
        public void cancelTimer() {
        }

        @Override
        public void negotiated() {
            negotiated = true;
        }

        @Override
        public void attemptFailed(MilterFailure.Kind kind, String message, boolean isTransient) {
            attemptFailures.add("attempt failed " + kind);
        }

        @Override
        public void stop() {
        }

        @Override
        public void abandon() {
            abandoned = true;
        }

        @Override
        public void quit(boolean sendQuit, Runnable closed) {
            quits.add(sendQuit);
            closed.run();
        }
    }
}
