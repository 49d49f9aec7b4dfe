package org.pmult.server.upstream;

import io.netty.buffer.Unpooled;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/** What MeTA1 sends for one session in these tests, all under that session's id and without macros unless given. */
record Meta1Requests(String seid) {

    PmilterRequest.Connect connect(String address) throws UnknownHostException {
        return new PmilterRequest.Connect(seid, InetAddress.getByName(address), 40001, "mx.example", PmilterMacros.EMPTY);
    }

    PmilterRequest.Ehlo helo(String name) {
        return new PmilterRequest.Ehlo(seid, name, HeloKind.EHLO, PmilterMacros.EMPTY);
    }

    PmilterRequest.Mail mail(String sender) {
        return mail(sender, PmilterMacros.EMPTY);
    }

    PmilterRequest.Mail mail(String sender, PmilterMacros macros) {
        return new PmilterRequest.Mail(seid, sender, null, macros);
    }

    PmilterRequest.Rcpt rcpt(String path) {
        return new PmilterRequest.Rcpt(seid, path, 0, null, PmilterMacros.EMPTY);
    }

    PmilterRequest.Data data() {
        return new PmilterRequest.Data(seid, PmilterMacros.EMPTY);
    }

    /** Message text as bytes, one byte a character. */
    PmilterRequest.Msg msg(String text) {
        return new PmilterRequest.Msg(seid, Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    PmilterRequest.Dot dot() {
        return new PmilterRequest.Dot(seid, PmilterMacros.EMPTY);
    }

    PmilterRequest.Abort abort() {
        return new PmilterRequest.Abort(seid);
    }
}
