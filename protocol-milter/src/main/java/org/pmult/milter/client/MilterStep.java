package org.pmult.milter.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;

import java.util.ArrayList;
import java.util.List;

/**
 * One stage call queued in a {@link MilterProtocolEngine}: what to send and whom to tell. Each kind
 * answers its caller in its own shape (a verdict, an end of message, whether the connection was kept).
 */
abstract sealed class MilterStep {

    final MilterStage stage;
    final MilterMacros macros;

    private MilterStep(MilterStage stage, MilterMacros macros) {
        this.stage = stage;
        this.macros = macros;
    }

    /** The next packet to send. */
    abstract MilterCommand nextCommand();

    /** The libmilter name of what this step sends, for log lines and failures. */
    String commandName() {
        return stage.command().libmilterName();
    }

    /** Whether packets remain after the one sent (body chunks). */
    boolean hasMore() {
        return false;
    }

    /** Whether there is nothing to send at all (an empty body). */
    boolean isEmpty() {
        return false;
    }

    abstract void succeed(MilterVerdict verdict);

    abstract void failCaller(Throwable cause);

    /** Drops buffers the step still holds; called exactly once when it ends. */
    void release() {
    }

    /** SMFIC_OPTNEG; its outcome completes the engine's negotiation promise, not a caller's. */
    static final class Negotiation extends MilterStep {
        private final MilterCommand.OptionNegotiation offer;

        Negotiation(MilterCommand.OptionNegotiation offer) {
            super(MilterStage.NEGOTIATE, MilterMacros.EMPTY);
            this.offer = offer;
        }

        @Override
        MilterCommand nextCommand() {
            return offer;
        }

        MilterCommand.OptionNegotiation offer() {
            return offer;
        }

        @Override
        void succeed(MilterVerdict verdict) {
            // the negotiation promise is completed by the engine itself
        }

        @Override
        void failCaller(Throwable cause) {
            // idem
        }
    }

    /** A step whose caller waits for a verdict. */
    abstract static sealed class Answered extends MilterStep {
        private final Promise<MilterVerdict> promise;

        private Answered(MilterStage stage, MilterMacros macros, Promise<MilterVerdict> promise) {
            super(stage, macros);
            this.promise = promise;
        }

        @Override
        final void succeed(MilterVerdict verdict) {
            promise.trySuccess(verdict);
        }

        @Override
        final void failCaller(Throwable cause) {
            promise.tryFailure(cause);
        }
    }

    /** A stage with one command and one verdict (connect, helo, mail, rcpt, data, header, eoh, abort, unknown). */
    static final class Verdict extends Answered {
        private final MilterCommand command;

        Verdict(MilterStage stage, MilterMacros macros, MilterCommand command, Promise<MilterVerdict> promise) {
            super(stage, macros, promise);
            this.command = command;
        }

        @Override
        MilterCommand nextCommand() {
            return command;
        }
    }

    /** Body bytes, sent as chunks of at most {@link MilterCodes#MAX_BODY_CHUNK} without copying. */
    static final class Body extends Answered {
        private ByteBuf rest;

        Body(MilterMacros macros, ByteBuf content, Promise<MilterVerdict> promise) {
            super(MilterStage.BODY, macros, promise);
            this.rest = content;
        }

        @Override
        MilterCommand nextCommand() {
            return new MilterCommand.Body(rest.readRetainedSlice(Math.min(rest.readableBytes(), MilterCodes.MAX_BODY_CHUNK)));
        }

        @Override
        boolean hasMore() {
            return rest != null && rest.isReadable();
        }

        @Override
        boolean isEmpty() {
            return !hasMore();
        }

        @Override
        void release() {
            if (rest != null) {
                rest.release();
                rest = null;
            }
        }
    }

    /** SMFIC_BODYEOB: collects the filter's modifications until its verdict. */
    static final class EndOfMessage extends MilterStep {
        private final Promise<MilterEndOfMessage> promise;
        private final List<MilterReply.Modification> modifications = new ArrayList<>();

        EndOfMessage(MilterMacros macros, Promise<MilterEndOfMessage> promise) {
            super(MilterStage.EOM, macros);
            this.promise = promise;
        }

        @Override
        MilterCommand nextCommand() {
            return MilterCommand.END_OF_MESSAGE;
        }

        int modificationCount() {
            return modifications.size();
        }

        void add(MilterReply.Modification modification) {
            modifications.add(modification);
        }

        @Override
        void succeed(MilterVerdict verdict) {
            if (verdict.isDefaultAction()) {
                dropModifications(); // a failed end of message applies none of the filter's changes
            }
            MilterEndOfMessage result = new MilterEndOfMessage(verdict, modifications);
            if (!promise.trySuccess(result)) {
                result.release();
            }
        }

        @Override
        void failCaller(Throwable cause) {
            dropModifications();
            promise.tryFailure(cause);
        }

        private void dropModifications() {
            for (MilterReply.Modification modification : modifications) {
                ReferenceCountUtil.release(modification);
            }
            modifications.clear();
        }
    }

    /** Ends the session: SMFIC_QUIT and close, or (recycling) SMFIC_QUIT_NC and keep the connection. */
    static final class Close extends MilterStep {
        private final Promise<?> promise;
        /** True for {@link MilterClientSession#recycle()}: its promise answers whether the connection was kept. */
        final boolean keepConnection;

        Close(Promise<?> promise, boolean keepConnection) {
            super(MilterStage.CLOSE, MilterMacros.EMPTY);
            this.promise = promise;
            this.keepConnection = keepConnection;
        }

        @Override
        MilterCommand nextCommand() {
            return keepConnection ? MilterCommand.QUIT_NEW_CONNECTION : MilterCommand.QUIT;
        }

        @Override
        String commandName() {
            return nextCommand().command().libmilterName();
        }

        @Override
        void succeed(MilterVerdict verdict) {
            complete(false);
        }

        /** Closed ({@code kept} false) or kept for the next session. */
        @SuppressWarnings("unchecked")
        void complete(boolean kept) {
            if (keepConnection) {
                ((Promise<Boolean>) promise).trySuccess(kept);
            } else {
                promise.trySuccess(null);
            }
        }

        @Override
        void failCaller(Throwable cause) {
            promise.tryFailure(cause);
        }
    }
}
