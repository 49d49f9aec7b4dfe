package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;

/**
 * Byte-exact vectors for every message type beyond the spec's worked examples, computed by hand from
 * §10.1–10.8 (one line per entry: u32 length, u32 tag, value).
 */
class MessageVectorsTest {

    private static final String PROT = "00 00 00 04 00 00 00 01 00 00 00 01 ";
    private static final String SEID_S1 = "00 00 00 02 00 00 00 03 53 31 ";

    private static String cmd(String hexByte) {
        return "00 00 00 04 00 00 00 02 00 00 00 " + hexByte + " ";
    }

    static Stream<Arguments> requests() throws UnknownHostException {
        return Stream.of(
                Arguments.of("EHLO with a macro",
                        "00 00 00 55 " + PROT + cmd("03") + SEID_S1
                                + "00 00 00 0a 00 00 00 30 6d 78 2e 65 78 61 6d 70 6c 65 "
                                + "00 00 00 04 00 00 00 31 00 00 00 01 "
                                + "00 00 00 04 00 00 00 13 00 00 00 01 "
                                + "00 00 00 01 00 00 00 14 68",
                        new PmilterRequest.Ehlo("S1", "mx.example", HeloKind.EHLO, PmilterMacros.of(Macro.HOSTNAME, "h"))),
                Arguments.of("HELO",
                        "00 00 00 40 " + PROT + cmd("03") + SEID_S1
                                + "00 00 00 0a 00 00 00 30 6d 78 2e 65 78 61 6d 70 6c 65 "
                                + "00 00 00 04 00 00 00 31 00 00 00 00",
                        new PmilterRequest.Ehlo("S1", "mx.example", HeloKind.HELO, PmilterMacros.EMPTY)),
                Arguments.of("MAIL with null sender and ESMTP args",
                        "00 00 00 3b " + PROT + cmd("04") + SEID_S1
                                + "00 00 00 02 00 00 00 40 3c 3e "
                                + "00 00 00 07 00 00 00 41 53 49 5a 45 3d 31 30",
                        new PmilterRequest.Mail("S1", "<>", "SIZE=10", PmilterMacros.EMPTY)),
                Arguments.of("RCPT with index and args",
                        "00 00 00 4f " + PROT + cmd("05") + SEID_S1
                                + "00 00 00 05 00 00 00 50 3c 63 40 64 3e "
                                + "00 00 00 04 00 00 00 51 00 00 00 02 "
                                + "00 00 00 0c 00 00 00 41 4e 4f 54 49 46 59 3d 4e 45 56 45 52",
                        new PmilterRequest.Rcpt("S1", "<c@d>", 2, "NOTIFY=NEVER", PmilterMacros.EMPTY)),
                Arguments.of("DATA",
                        "00 00 00 22 " + PROT + cmd("06") + SEID_S1,
                        new PmilterRequest.Data("S1", PmilterMacros.EMPTY)),
                Arguments.of("MSG",
                        "00 00 00 36 " + PROT + cmd("07") + SEID_S1
                                + "00 00 00 0c 00 00 00 60 53 75 62 6a 65 63 74 3a 20 78 0d 0a",
                        new PmilterRequest.Msg("S1", Unpooled.copiedBuffer("Subject: x\r\n", StandardCharsets.US_ASCII))),
                Arguments.of("DOT with two macros",
                        "00 00 00 4d " + PROT + cmd("08") + SEID_S1
                                + "00 00 00 04 00 00 00 13 00 00 00 10 "
                                + "00 00 00 02 00 00 00 14 4d 31 "
                                + "00 00 00 04 00 00 00 13 00 00 00 11 "
                                + "00 00 00 01 00 00 00 14 33",
                        new PmilterRequest.Dot("S1", PmilterMacros.of(Macro.MSGID, "M1", Macro.HOP_COUNT, "3"))),
                Arguments.of("ABORT",
                        "00 00 00 22 " + PROT + cmd("09") + SEID_S1,
                        new PmilterRequest.Abort("S1")),
                Arguments.of("CLOSE",
                        "00 00 00 22 " + PROT + cmd("0a") + SEID_S1,
                        new PmilterRequest.Close("S1")),
                Arguments.of("UNKNOWN",
                        "00 00 00 2f " + PROT + cmd("0b") + SEID_S1
                                + "00 00 00 05 00 00 00 70 58 59 5a 5a 59",
                        new PmilterRequest.Unknown("S1", "XYZZY")),
                Arguments.of("PING",
                        "00 00 00 18 " + PROT + cmd("0c"),
                        new PmilterRequest.Ping()),
                Arguments.of("CONNECT from IPv6 with empty name and a macro",
                        "00 00 00 64 " + PROT + cmd("02") + SEID_S1
                                + "00 00 00 10 00 00 00 20 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 "
                                + "00 00 00 04 00 00 00 21 00 00 00 19 "
                                + "00 00 00 00 00 00 00 22 "
                                + "00 00 00 04 00 00 00 13 00 00 00 02 "
                                + "00 00 00 02 00 00 00 14 4f 4b",
                        new PmilterRequest.Connect("S1", InetAddress.getByName("2001:db8::1"), 25, "",
                                PmilterMacros.of(Macro.CLIENT_RESOLVE, "OK"))),
                Arguments.of("unknown command with SEID",
                        "00 00 00 22 " + PROT + cmd("7f") + SEID_S1,
                        new PmilterRequest.UnknownCommand(0x7f, "S1")),
                Arguments.of("unknown command without SEID",
                        "00 00 00 18 " + PROT + cmd("7f"),
                        new PmilterRequest.UnknownCommand(0x7f, null)));
    }

    static Stream<Arguments> responses() {
        Map<Stage, List<Macro>> macros = new LinkedHashMap<>();
        macros.put(Stage.CONNECT, List.of(Macro.HOSTNAME));
        macros.put(Stage.DOT, List.of(Macro.MSGID, Macro.HOP_COUNT));
        return Stream.of(
                Arguments.of("REPLY to PING",
                        "00 00 00 24 " + PROT + cmd("80") + "00 00 00 04 00 00 00 80 00 00 00 00",
                        new PmilterResponse.PingReply()),
                Arguments.of("TEMPFAIL without text",
                        "00 00 00 2e " + PROT + cmd("80") + SEID_S1 + "00 00 00 04 00 00 00 80 00 00 00 03",
                        new PmilterResponse.Reply("S1", ReplyCode.TEMPFAIL)),
                Arguments.of("SHUTDOWN with 421 text",
                        "00 00 00 43 " + PROT + cmd("80") + SEID_S1 + "00 00 00 04 00 00 00 80 00 00 00 05 "
                                + "00 00 00 0d 00 00 00 81 34 32 31 20 34 2e 33 2e 30 20 42 79 65",
                        new PmilterResponse.Reply("S1", ReplyCode.SHUTDOWN, "421 4.3.0 Bye")),
                Arguments.of("ACCEPT at DOT with every other modification kind",
                        "00 00 00 e8 " + PROT + cmd("80") + SEID_S1 + "00 00 00 04 00 00 00 80 00 00 00 01 "
                                + "00 00 00 04 00 00 00 90 00 00 00 02 "
                                + "00 00 00 04 00 00 00 91 00 00 00 00 "
                                + "00 00 00 03 00 00 00 92 58 2d 41 "
                                + "00 00 00 01 00 00 00 93 31 "
                                + "00 00 00 04 00 00 00 90 00 00 00 03 "
                                + "00 00 00 04 00 00 00 91 00 00 00 02 "
                                + "00 00 00 03 00 00 00 92 58 2d 42 "
                                + "00 00 00 00 00 00 00 93 "
                                + "00 00 00 04 00 00 00 90 00 00 00 04 "
                                + "00 00 00 05 00 00 00 93 3c 65 40 66 3e "
                                + "00 00 00 04 00 00 00 90 00 00 00 05 "
                                + "00 00 00 05 00 00 00 93 3c 63 40 64 3e "
                                + "00 00 00 04 00 00 00 90 00 00 00 06 "
                                + "00 00 00 04 00 00 00 93 68 69 0d 0a "
                                + "00 00 00 04 00 00 00 90 00 00 00 07 "
                                + "00 00 00 05 00 00 00 93 3c 67 40 68 3e",
                        new PmilterResponse.Reply("S1", ReplyCode.ACCEPT, null, List.of(
                                new PmilterModification.InsertHeader(0, "X-A", "1"),
                                new PmilterModification.ChangeHeader(2, "X-B", ""),
                                new PmilterModification.AddRecipient("<e@f>"),
                                new PmilterModification.DeleteRecipient("<c@d>"),
                                new PmilterModification.ReplaceBody("hi\r\n".getBytes(StandardCharsets.US_ASCII)),
                                new PmilterModification.ChangeSender("<g@h>")))),
                Arguments.of("NEGOTIATE_REPLY with macros at two stages",
                        "00 00 00 6c " + PROT + cmd("81")
                                + "00 00 00 04 00 00 00 10 00 00 01 41 "
                                + "00 00 00 04 00 00 00 11 00 00 00 0a "
                                + "00 00 00 04 00 00 00 12 00 00 00 01 "
                                + "00 00 00 04 00 00 00 13 00 00 00 01 "
                                + "00 00 00 04 00 00 00 12 00 00 00 06 "
                                + "00 00 00 04 00 00 00 13 00 00 00 10 "
                                + "00 00 00 04 00 00 00 13 00 00 00 11",
                        new PmilterResponse.NegotiateReply(
                                Capability.mask(Capability.CONNECT, Capability.DOT, Capability.MOD_HDR), 10, macros)),
                Arguments.of("unknown reply command",
                        "00 00 00 22 " + PROT + cmd("99") + SEID_S1,
                        new PmilterResponse.UnknownReply(0x99, "S1")));
    }

    @ParameterizedTest(name = "decodes {0}")
    @MethodSource("requests")
    void decodesRequestVector(String name, String hex, PmilterRequest expected) {
        PmilterRequest decoded = PmilterWire.decodeRequest(Hex.bytes(hex));
        try {
            assertEquals(expected, decoded);
        } finally {
            ReferenceCountUtil.release(decoded);
        }
    }

    @ParameterizedTest(name = "encodes {0}")
    @MethodSource("requests")
    void encodesRequestVector(String name, String hex, PmilterRequest message) {
        assertEquals(Hex.normalize(hex), Hex.of(PmilterWire.encode(message)));
    }

    @ParameterizedTest(name = "decodes {0}")
    @MethodSource("responses")
    void decodesResponseVector(String name, String hex, PmilterResponse expected) {
        assertEquals(expected, PmilterWire.decodeResponse(Hex.bytes(hex)));
    }

    @ParameterizedTest(name = "encodes {0}")
    @MethodSource("responses")
    void encodesResponseVector(String name, String hex, PmilterResponse message) {
        assertEquals(Hex.normalize(hex), Hex.of(PmilterWire.encode(message)));
    }
}
