package org.pmult.sim.engine;

import io.netty.buffer.Unpooled;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.sim.scenario.SessionStep;

/**
 * Builds one session's pmilter requests from scenario steps, each with the macros the connection's
 * negotiation asked for at its stage.
 */
final class SessionRequests {

    private final String seid;
    private final MacroValues macros = new MacroValues();

    SessionRequests(String seid) {
        this.seid = seid;
    }

    /** smtps learned a macro value. */
    void learn(SessionStep.SetMacro macro) {
        macros.set(macro.macroId(), macro.value());
    }

    PmilterRequest.SessionRequest connect(LinkConnection conn, SessionStep.Connect step) {
        return new PmilterRequest.Connect(seid, step.clientAddress(), step.clientPort(), step.clientName(),
                macros(conn, Stage.CONNECT));
    }

    PmilterRequest.SessionRequest ehlo(LinkConnection conn, SessionStep.Ehlo step) {
        return new PmilterRequest.Ehlo(seid, step.argument(), step.kind(), macros(conn, Stage.EHLO));
    }

    PmilterRequest.SessionRequest mail(LinkConnection conn, SessionStep.Mail step) {
        return new PmilterRequest.Mail(seid, step.reversePath(), step.esmtpArgs(), macros(conn, Stage.MAIL));
    }

    PmilterRequest.SessionRequest rcpt(LinkConnection conn, SessionStep.Rcpt step, int index) {
        return new PmilterRequest.Rcpt(seid, step.forwardPath(), index, step.esmtpArgs(), macros(conn, Stage.RCPT));
    }

    PmilterRequest.SessionRequest data(LinkConnection conn) {
        return new PmilterRequest.Data(seid, macros(conn, Stage.DATA));
    }

    /** A MSG chunk wrapping (not copying) {@code content[offset, offset + length)}. */
    PmilterRequest.SessionRequest msg(byte[] content, int offset, int length) {
        return new PmilterRequest.Msg(seid, Unpooled.wrappedBuffer(content, offset, length));
    }

    PmilterRequest.SessionRequest dot(LinkConnection conn) {
        return new PmilterRequest.Dot(seid, macros(conn, Stage.DOT));
    }

    PmilterRequest.SessionRequest abort() {
        return new PmilterRequest.Abort(seid);
    }

    PmilterRequest.SessionRequest unknown(SessionStep.Unknown step) {
        return new PmilterRequest.Unknown(seid, step.commandLine());
    }

    PmilterRequest.SessionRequest close() {
        return new PmilterRequest.Close(seid);
    }

    private PmilterMacros macros(LinkConnection conn, Stage stage) {
        return macros.forStage(stage, conn.negotiated().macrosAt(stage));
    }
}
