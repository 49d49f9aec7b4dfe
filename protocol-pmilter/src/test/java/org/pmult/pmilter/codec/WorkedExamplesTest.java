package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;

/** The six worked examples of spec §10.10, byte for byte, decoded and encoded. */
class WorkedExamplesTest {

    static final String NEGOTIATE = "00 00 00 30 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 02 00 00 00 01 "
            + "00 00 00 04 00 00 00 10 00 00 0f ff 00 00 00 04 00 00 00 11 00 00 00 00";
    static final String NEGOTIATE_REPLY = "00 00 00 54 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 02 "
            + "00 00 00 81 00 00 00 04 00 00 00 10 00 00 00 7f 00 00 00 04 00 00 00 11 00 00 00 00 00 00 00 04 00 00 00 12 "
            + "00 00 00 03 00 00 00 04 00 00 00 13 00 00 00 0f 00 00 00 04 00 00 00 13 00 00 00 0c";
    static final String CONNECT = "00 00 00 4c 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 02 00 00 00 02 "
            + "00 00 00 02 00 00 00 03 53 31 00 00 00 04 00 00 00 20 c0 00 02 0a 00 00 00 04 00 00 00 21 00 00 9c 41 "
            + "00 00 00 0a 00 00 00 22 6d 78 2e 65 78 61 6d 70 6c 65";
    static final String MAIL = "00 00 00 4d 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 02 00 00 00 04 "
            + "00 00 00 02 00 00 00 03 53 31 00 00 00 0d 00 00 00 40 3c 61 40 62 2e 65 78 61 6d 70 6c 65 3e 00 00 00 04 "
            + "00 00 00 13 00 00 00 0f 00 00 00 02 00 00 00 14 54 31";
    static final String REPLY_REJECT = "00 00 00 42 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 02 "
            + "00 00 00 80 00 00 00 02 00 00 00 03 53 31 00 00 00 04 00 00 00 80 00 00 00 02 00 00 00 0c 00 00 00 81 "
            + "35 35 30 20 35 2e 37 2e 31 20 4e 6f";
    static final String REPLY_DOT_ADD_HEADER = "00 00 00 56 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 02 "
            + "00 00 00 80 00 00 00 02 00 00 00 03 53 31 00 00 00 04 00 00 00 80 00 00 00 00 00 00 00 04 00 00 00 90 "
            + "00 00 00 01 00 00 00 09 00 00 00 92 58 2d 53 63 61 6e 6e 65 64 00 00 00 03 00 00 00 93 79 65 73";

    static final PmilterRequest.Negotiate NEGOTIATE_MESSAGE = new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0);
    static final PmilterResponse.NegotiateReply NEGOTIATE_REPLY_MESSAGE = negotiateReply();
    static final PmilterRequest.Connect CONNECT_MESSAGE = new PmilterRequest.Connect("S1",
            address(192, 0, 2, 10), 40001, "mx.example", PmilterMacros.EMPTY);
    static final PmilterRequest.Mail MAIL_MESSAGE = new PmilterRequest.Mail("S1", "<a@b.example>", null,
            PmilterMacros.of(Macro.TAID, "T1"));
    static final PmilterResponse.Reply REJECT_MESSAGE = new PmilterResponse.Reply("S1", ReplyCode.REJECT, "550 5.7.1 No");
    static final PmilterResponse.Reply ADD_HEADER_MESSAGE = new PmilterResponse.Reply("S1", ReplyCode.CONTINUE, null,
            List.of(new PmilterModification.AddHeader("X-Scanned", "yes")));

    private static PmilterResponse.NegotiateReply negotiateReply() {
        Map<Stage, List<Macro>> macros = new LinkedHashMap<>();
        macros.put(Stage.MAIL, List.of(Macro.TAID, Macro.AUTH_TYPE));
        return new PmilterResponse.NegotiateReply(PmilterCodes.STAGE_CAPS_MASK & ~Capability.UNKNOWN.bit(), 0, macros);
    }

    static InetAddress address(int... octets) {
        byte[] bytes = new byte[octets.length];
        for (int i = 0; i < octets.length; i++) {
            bytes[i] = (byte) octets[i];
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void decodesNegotiateExample() {
        assertEquals(NEGOTIATE_MESSAGE, PmilterWire.decodeRequest(Hex.bytes(NEGOTIATE)));
    }

    @Test
    void encodesNegotiateExample() {
        assertEquals(Hex.normalize(NEGOTIATE), Hex.of(PmilterWire.encode(NEGOTIATE_MESSAGE)));
    }

    @Test
    void decodesNegotiateReplyExample() {
        PmilterResponse decoded = PmilterWire.decodeResponse(Hex.bytes(NEGOTIATE_REPLY));
        assertEquals(NEGOTIATE_REPLY_MESSAGE, decoded);
        assertEquals(0x7f, ((PmilterResponse.NegotiateReply) decoded).caps());
    }

    @Test
    void encodesNegotiateReplyExample() {
        assertEquals(Hex.normalize(NEGOTIATE_REPLY), Hex.of(PmilterWire.encode(NEGOTIATE_REPLY_MESSAGE)));
    }

    @Test
    void decodesConnectExample() {
        assertEquals(CONNECT_MESSAGE, PmilterWire.decodeRequest(Hex.bytes(CONNECT)));
    }

    @Test
    void encodesConnectExample() {
        assertEquals(Hex.normalize(CONNECT), Hex.of(PmilterWire.encode(CONNECT_MESSAGE)));
    }

    @Test
    void decodesMailExample() {
        PmilterRequest decoded = PmilterWire.decodeRequest(Hex.bytes(MAIL));
        assertEquals(MAIL_MESSAGE, decoded);
        assertEquals("T1", decoded instanceof PmilterRequest.Mail mail ? mail.macros().valueOf(Macro.TAID) : null);
    }

    @Test
    void encodesMailExample() {
        assertEquals(Hex.normalize(MAIL), Hex.of(PmilterWire.encode(MAIL_MESSAGE)));
    }

    @Test
    void decodesRejectReplyExample() {
        assertEquals(REJECT_MESSAGE, PmilterWire.decodeResponse(Hex.bytes(REPLY_REJECT)));
    }

    @Test
    void encodesRejectReplyExample() {
        assertEquals(Hex.normalize(REPLY_REJECT), Hex.of(PmilterWire.encode(REJECT_MESSAGE)));
    }

    @Test
    void decodesDotReplyWithAddedHeaderExample() {
        assertEquals(ADD_HEADER_MESSAGE, PmilterWire.decodeResponse(Hex.bytes(REPLY_DOT_ADD_HEADER)));
    }

    @Test
    void encodesDotReplyWithAddedHeaderExample() {
        assertEquals(Hex.normalize(REPLY_DOT_ADD_HEADER), Hex.of(PmilterWire.encode(ADD_HEADER_MESSAGE)));
    }
}
