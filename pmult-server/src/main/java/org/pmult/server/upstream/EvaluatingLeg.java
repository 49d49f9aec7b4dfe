package org.pmult.server.upstream;

import io.netty.buffer.ByteBuf;
import org.pmult.milter.client.LogContext;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.server.metrics.MetricStage;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.session.MilterLeg;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A leg in evaluation mode: the milter is consulted as usual, each answer is recorded, and the
 * session always gets CONTINUE without changes, so the milter never decides anything, for itself
 * or for other clients.
 *
 * <p>The milter still sees the conversation it would have seen had its answer been applied (as a
 * Sendmail would hold it): after an answer that would have ended the message (accept, or a reject,
 * tempfail or discard from MAIL on; a discard at RCPT) it sees nothing more of that message and gets
 * ABORT when the message ends; after one that would have ended the session (any deciding answer at
 * CONNECT, a shutdown, or its own failure) it sees nothing more until QUIT. A rejected recipient or
 * HELO only refuses that command, so the milter goes on seeing the session.
 */
final class EvaluatingLeg implements MilterLeg {

    /** Where the milter stands, by what its answers would have done. */
    private enum State {
        /** Consulted. */
        ACTIVE,
        /** Its answer would have ended the current message: quiet until the message ends, then ABORT. */
        MESSAGE_ENDED,
        /** Its answer would have ended the session, or it failed: quiet until QUIT. */
        SESSION_ENDED
    }

    private static final CompletionStage<LegVerdict> CONTINUE = CompletableFuture.completedFuture(LegVerdict.CONTINUE);

    private final MilterLeg leg;
    private final EvaluationRecorder recorder;
    private final String seid;
    private State state = State.ACTIVE;

    EvaluatingLeg(MilterLeg leg, EvaluationRecorder recorder, String seid) {
        this.leg = leg;
        this.recorder = recorder;
        this.seid = seid;
    }

    @Override
    public String clientName() {
        return leg.clientName();
    }

    @Override
    public void logContext(LogContext context) {
        leg.logContext(context);
    }

    @Override
    public CompletionStage<LegVerdict> connect(MilterMacros macros, String hostname, InetAddress address, int port) {
        return consult(MetricStage.CONNECT, () -> leg.connect(macros, hostname, address, port));
    }

    @Override
    public CompletionStage<LegVerdict> helo(MilterMacros macros, String helo) {
        return consult(MetricStage.HELO, () -> leg.helo(macros, helo));
    }

    @Override
    public CompletionStage<LegVerdict> mail(MilterMacros macros, String sender, String esmtpArgs) {
        return consult(MetricStage.MAIL, () -> leg.mail(macros, sender, esmtpArgs));
    }

    @Override
    public CompletionStage<LegVerdict> rcpt(MilterMacros macros, String recipient, String esmtpArgs) {
        return consult(MetricStage.RCPT, () -> leg.rcpt(macros, recipient, esmtpArgs));
    }

    @Override
    public CompletionStage<LegVerdict> data(MilterMacros macros) {
        return consult(MetricStage.DATA, () -> leg.data(macros));
    }

    @Override
    public CompletionStage<LegVerdict> header(MilterMacros macros, String name, String value) {
        return consult(MetricStage.HEADER, () -> leg.header(macros, name, value));
    }

    @Override
    public CompletionStage<LegVerdict> endOfHeaders(MilterMacros macros) {
        return consult(MetricStage.EOH, () -> leg.endOfHeaders(macros));
    }

    @Override
    public CompletionStage<LegVerdict> body(MilterMacros macros, ByteBuf chunk) {
        if (state != State.ACTIVE) {
            chunk.release();
            return CONTINUE;
        }
        return consult(MetricStage.BODY, () -> leg.body(macros, chunk));
    }

    @Override
    public CompletionStage<LegVerdict> endOfMessage(MilterMacros macros) {
        if (state == State.MESSAGE_ENDED) {
            // the milter would have seen no more of this message; the MTA closes it with ABORT
            leg.abort();
            state = State.ACTIVE;
            return CONTINUE;
        }
        return consult(MetricStage.EOM, () -> leg.endOfMessage(macros)).thenApply(verdict -> {
            if (state == State.MESSAGE_ENDED) {
                state = State.ACTIVE; // the message ended with this answer
            }
            return verdict;
        });
    }

    @Override
    public CompletionStage<LegVerdict> unknown(String commandLine) {
        return consult(MetricStage.UNKNOWN, () -> leg.unknown(commandLine));
    }

    @Override
    public void abort() {
        if (state == State.SESSION_ENDED) {
            return;
        }
        leg.abort();
        state = State.ACTIVE;
    }

    @Override
    public void close() {
        leg.close();
    }

    private CompletionStage<LegVerdict> consult(MetricStage stage, Supplier<CompletionStage<LegVerdict>> call) {
        if (state != State.ACTIVE) {
            return CONTINUE;
        }
        return call.get().thenApply(verdict -> {
            recorder.record(seid, stage, verdict);
            state = after(stage, verdict);
            return LegVerdict.CONTINUE;
        });
    }

    /** Where the milter would stand had {@code verdict} been applied at {@code stage}. */
    private State after(MetricStage stage, LegVerdict verdict) {
        if (verdict.defaultAction() || verdict.kind() == LegVerdict.Kind.SHUTDOWN) {
            return State.SESSION_ENDED;
        }
        return switch (verdict.kind()) {
            case CONTINUE -> State.ACTIVE;
            case ACCEPT -> stage == MetricStage.CONNECT || stage == MetricStage.HELO ? State.SESSION_ENDED : State.MESSAGE_ENDED;
            case REJECT, TEMPFAIL -> switch (stage) {
                case CONNECT -> State.SESSION_ENDED;
                case HELO, RCPT, UNKNOWN -> State.ACTIVE;
                default -> State.MESSAGE_ENDED;
            };
            case DISCARD -> stage == MetricStage.CONNECT || stage == MetricStage.HELO ? State.SESSION_ENDED : State.MESSAGE_ENDED;
            case SHUTDOWN -> State.SESSION_ENDED;
        };
    }
}
