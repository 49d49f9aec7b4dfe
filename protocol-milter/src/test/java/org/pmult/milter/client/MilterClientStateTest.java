package org.pmult.milter.client;

import org.junit.jupiter.api.Test;
import org.pmult.milter.client.MilterClientState.Disposition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.pmult.milter.client.MilterClientState.ACCEPT_CONNECTION;
import static org.pmult.milter.client.MilterClientState.ACCEPT_MESSAGE;
import static org.pmult.milter.client.MilterClientState.CLOSED;
import static org.pmult.milter.client.MilterClientState.ENVELOPE;
import static org.pmult.milter.client.MilterClientState.ERROR;
import static org.pmult.milter.client.MilterClientState.MESSAGE;
import static org.pmult.milter.client.MilterClientState.NEGOTIATING;
import static org.pmult.milter.client.MilterClientState.READY;
import static org.pmult.milter.client.MilterClientState.REJECT_CONNECTION;
import static org.pmult.milter.client.MilterClientState.SKIPPING_BODY;

/** The transition table on its own, without sockets. */
class MilterClientStateTest {

    @Test
    void everyStateHasADispositionAndANextStateForEveryStage() {
        for (MilterClientState state : MilterClientState.values()) {
            for (MilterStage stage : MilterStage.values()) {
                assertNotNull(state.dispose(stage), state + " " + stage);
                assertNotNull(state.next(stage), state + " " + stage);
            }
        }
    }

    @Test
    void callsWaitUntilNegotiationIsDoneAndFailedSessionsAnswerTheStoredVerdict() {
        assertEquals(Disposition.WAIT, NEGOTIATING.dispose(MilterStage.RCPT));
        assertEquals(Disposition.ANSWER_STORED, ERROR.dispose(MilterStage.RCPT));
        assertEquals(Disposition.ANSWER_STORED, CLOSED.dispose(MilterStage.EOM));
        assertEquals(Disposition.ANSWER_STORED, REJECT_CONNECTION.dispose(MilterStage.HELO));
        assertEquals(Disposition.SEND, REJECT_CONNECTION.dispose(MilterStage.CLOSE));
        assertEquals(Disposition.ANSWER_CONTINUE, ACCEPT_CONNECTION.dispose(MilterStage.MAIL));
    }

    @Test
    void theSmtpOrderIsEnforced() {
        assertEquals(Disposition.ILLEGAL, READY.dispose(MilterStage.HELO));
        assertEquals(Disposition.SEND, READY.dispose(MilterStage.CONNECT));
        assertEquals(Disposition.ILLEGAL, ENVELOPE.dispose(MilterStage.CONNECT));
        assertEquals(Disposition.ILLEGAL, MESSAGE.dispose(MilterStage.RCPT));
        assertEquals(Disposition.ANSWER_SKIP, SKIPPING_BODY.dispose(MilterStage.BODY));
        assertEquals(Disposition.SEND, SKIPPING_BODY.dispose(MilterStage.EOM));
        assertEquals(Disposition.ANSWER_CONTINUE, ACCEPT_MESSAGE.dispose(MilterStage.RCPT));
        assertEquals(Disposition.SEND, ACCEPT_MESSAGE.dispose(MilterStage.MAIL));
    }

    @Test
    void dispatchingMovesThroughTheTransaction() {
        assertEquals(ENVELOPE, READY.next(MilterStage.CONNECT));
        assertEquals(MESSAGE, ENVELOPE.next(MilterStage.HEADER));
        assertEquals(MESSAGE, ENVELOPE.next(MilterStage.DATA));
        assertEquals(ENVELOPE, MESSAGE.next(MilterStage.EOM));
        assertEquals(ENVELOPE, MESSAGE.next(MilterStage.ABORT));
        assertEquals(ENVELOPE, ACCEPT_MESSAGE.next(MilterStage.MAIL));
        assertEquals(ACCEPT_MESSAGE, ACCEPT_MESSAGE.next(MilterStage.RCPT));
        assertEquals(SKIPPING_BODY, SKIPPING_BODY.next(MilterStage.BODY));
        assertEquals(ACCEPT_CONNECTION, ACCEPT_CONNECTION.next(MilterStage.MAIL));
        assertEquals(CLOSED, MESSAGE.next(MilterStage.CLOSE));
    }

    @Test
    void verdictsDecideHowMuchOfTheConversationIsLeft() {
        assertEquals(ACCEPT_CONNECTION, ENVELOPE.afterVerdict(MilterStage.CONNECT, MilterVerdict.ACCEPT));
        assertEquals(ACCEPT_CONNECTION, ENVELOPE.afterVerdict(MilterStage.HELO, MilterVerdict.ACCEPT));
        assertEquals(ACCEPT_MESSAGE, ENVELOPE.afterVerdict(MilterStage.RCPT, MilterVerdict.ACCEPT));
        assertEquals(ACCEPT_MESSAGE, MESSAGE.afterVerdict(MilterStage.HEADER, MilterVerdict.DISCARD));
        assertEquals(ENVELOPE, ENVELOPE.afterVerdict(MilterStage.EOM, MilterVerdict.ACCEPT));
        assertEquals(REJECT_CONNECTION, ENVELOPE.afterVerdict(MilterStage.CONNECT,
                new MilterVerdict.ReplyCode("554 5.7.1 no")));
        assertEquals(ENVELOPE, ENVELOPE.afterVerdict(MilterStage.RCPT, MilterVerdict.REJECT));
        assertEquals(ENVELOPE, ENVELOPE.afterVerdict(MilterStage.MAIL, MilterVerdict.TEMPFAIL));
        assertEquals(SKIPPING_BODY, MESSAGE.afterVerdict(MilterStage.BODY, MilterVerdict.SKIP));
        assertEquals(REJECT_CONNECTION, MESSAGE.afterVerdict(MilterStage.BODY, MilterVerdict.SHUTDOWN));
        assertEquals(REJECT_CONNECTION, ENVELOPE.afterVerdict(MilterStage.RCPT, MilterVerdict.CONNECTION_FAIL));
        assertEquals(MESSAGE, MESSAGE.afterVerdict(MilterStage.HEADER, MilterVerdict.CONTINUE));
    }
}
