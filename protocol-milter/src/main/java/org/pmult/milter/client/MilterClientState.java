package org.pmult.milter.client;

/**
 * Where a {@link MilterClientSession} stands. Every transition is a {@code switch} over all states
 * (Postfix milter8.c's discipline): a new state that is not handled does not compile.
 */
public enum MilterClientState {
    /** Created; the socket connect has not started yet. */
    NEW,
    /** Connecting the socket. */
    CONNECTING,
    /** SMFIC_OPTNEG sent; waiting for the filter's answer. Stage calls queue up meanwhile. */
    NEGOTIATING,
    /** Negotiated; waiting for the SMTP connect event. */
    READY,
    /** After connect: helo, mail, rcpt, unknown commands; also between messages. */
    ENVELOPE,
    /** Inside DATA: headers, end of headers, body. */
    MESSAGE,
    /** The filter answered SMFIR_SKIP: no more body chunks until end of message. */
    SKIPPING_BODY,
    /** The filter accepted or discarded this message: its remaining message events are not sent. */
    ACCEPT_MESSAGE,
    /** The filter accepted the whole connection: nothing is sent any more but QUIT. */
    ACCEPT_CONNECTION,
    /** The filter rejected the connection: every event repeats that verdict. */
    REJECT_CONNECTION,
    /** The filter failed: every event answers with the default action; the socket is closed. */
    ERROR,
    /** Closed by the caller: every event answers with the default action. */
    CLOSED;

    /** What a session does with a stage call in this state. */
    enum Disposition {
        /** Not negotiated yet: the call waits in the queue. */
        WAIT,
        /** Send the command (unless negotiation switched it off). */
        SEND,
        /** Answer CONTINUE without sending anything. */
        ANSWER_CONTINUE,
        /** Answer SKIP without sending anything. */
        ANSWER_SKIP,
        /** Answer the stored verdict (the connection's rejection, or the default action). */
        ANSWER_STORED,
        /** The caller broke the SMTP order (e.g. helo before connect): fail that call only. */
        ILLEGAL
    }

    /** What to do with {@code stage} in this state. */
    Disposition dispose(MilterStage stage) {
        return switch (this) {
            case NEW, CONNECTING, NEGOTIATING -> Disposition.WAIT;
            case READY -> switch (stage) {
                case CONNECT, CLOSE -> Disposition.SEND;
                case ABORT -> Disposition.ANSWER_CONTINUE;
                case NEGOTIATE, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, EOM, UNKNOWN -> Disposition.ILLEGAL;
            };
            case ENVELOPE -> switch (stage) {
                case HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, EOM, ABORT, UNKNOWN, CLOSE -> Disposition.SEND;
                case NEGOTIATE, CONNECT -> Disposition.ILLEGAL;
            };
            case MESSAGE -> switch (stage) {
                case HEADER, EOH, BODY, EOM, ABORT, CLOSE -> Disposition.SEND;
                case NEGOTIATE, CONNECT, HELO, MAIL, RCPT, DATA, UNKNOWN -> Disposition.ILLEGAL;
            };
            case SKIPPING_BODY -> switch (stage) {
                case BODY -> Disposition.ANSWER_SKIP;
                case EOM, ABORT, CLOSE -> Disposition.SEND;
                case NEGOTIATE, CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, UNKNOWN -> Disposition.ILLEGAL;
            };
            case ACCEPT_MESSAGE -> switch (stage) {
                case RCPT, DATA, HEADER, EOH, BODY, EOM -> Disposition.ANSWER_CONTINUE;
                case HELO, MAIL, ABORT, UNKNOWN, CLOSE -> Disposition.SEND;
                case NEGOTIATE, CONNECT -> Disposition.ILLEGAL;
            };
            case ACCEPT_CONNECTION -> stage == MilterStage.CLOSE ? Disposition.SEND : Disposition.ANSWER_CONTINUE;
            case REJECT_CONNECTION -> stage == MilterStage.CLOSE ? Disposition.SEND : Disposition.ANSWER_STORED;
            case ERROR, CLOSED -> stage == MilterStage.CLOSE ? Disposition.ANSWER_CONTINUE : Disposition.ANSWER_STORED;
        };
    }

    /** The state once {@code stage} was dispatched here (sent, or answered CONTINUE without sending). */
    MilterClientState next(MilterStage stage) {
        if (stage == MilterStage.CLOSE) {
            return CLOSED;
        }
        return switch (this) {
            case READY -> stage == MilterStage.CONNECT ? ENVELOPE : this;
            case ENVELOPE, MESSAGE, SKIPPING_BODY, ACCEPT_MESSAGE -> switch (stage) {
                case HELO, MAIL, ABORT, EOM -> ENVELOPE;
                case DATA, HEADER, EOH, BODY -> this == ENVELOPE ? MESSAGE : this;
                case NEGOTIATE, CONNECT, RCPT, UNKNOWN, CLOSE -> this;
            };
            case NEW, CONNECTING, NEGOTIATING, ACCEPT_CONNECTION, REJECT_CONNECTION, ERROR, CLOSED -> this;
        };
    }

    /** The state after the filter answered {@code stage} with {@code verdict}. */
    MilterClientState afterVerdict(MilterStage stage, MilterVerdict verdict) {
        boolean connectionStage = stage == MilterStage.CONNECT || stage == MilterStage.HELO;
        boolean messageStage = switch (stage) {
            case MAIL, RCPT, DATA, HEADER, EOH, BODY -> true;
            case NEGOTIATE, CONNECT, HELO, EOM, ABORT, CLOSE, UNKNOWN -> false;
        };
        return switch (verdict.type()) {
            case CONTINUE, DEFAULT_ACTION -> this;
            case SKIP -> stage == MilterStage.BODY ? SKIPPING_BODY : this;
            case ACCEPT -> connectionStage ? ACCEPT_CONNECTION : messageStage ? ACCEPT_MESSAGE : this;
            case DISCARD -> messageStage ? ACCEPT_MESSAGE : this;
            case REJECT, TEMPFAIL, REPLY_CODE -> stage == MilterStage.CONNECT ? REJECT_CONNECTION : this;
            case CONNECTION_FAIL, SHUTDOWN -> REJECT_CONNECTION;
        };
    }

    /** Whether the session failed or was closed: it answers every call with its stored verdict. */
    boolean hasEnded() {
        return this == ERROR || this == CLOSED;
    }

    /** Whether stage calls must wait for negotiation to finish. */
    boolean awaitsNegotiation() {
        return dispose(MilterStage.CONNECT) == Disposition.WAIT;
    }
}
