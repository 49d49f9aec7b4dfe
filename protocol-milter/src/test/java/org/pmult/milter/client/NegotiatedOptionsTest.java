package org.pmult.milter.client;

import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterCodecException;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NegotiatedOptionsTest {

    private static final MilterCommand.OptionNegotiation OFFER = new MilterCommand.OptionNegotiation(6,
            MilterCodes.V6_ACTIONS, MilterClientSettings.DEFAULT_OFFERED_PROTOCOL);

    @Test
    void versionDecidesWhichStagesExist() {
        NegotiatedOptions v3 = negotiate(3, 0);
        assertTrue(v3.sends(MilterStage.UNKNOWN));
        assertFalse(v3.sends(MilterStage.DATA));
        NegotiatedOptions v4 = negotiate(4, 0);
        assertTrue(v4.sends(MilterStage.DATA));
        assertTrue(v4.sends(MilterStage.ABORT));
        assertTrue(v4.sends(MilterStage.CLOSE));
    }

    @Test
    void noReplyFlagsCountOnlyAtVersion6() {
        int noRcptReply = ProtocolFlag.NR_RCPT.bit();
        assertFalse(negotiate(6, noRcptReply).awaitsReply(MilterStage.RCPT));
        assertTrue(negotiate(4, noRcptReply).awaitsReply(MilterStage.RCPT), "NR_RCPT does not exist before v6");
        assertFalse(negotiate(6, 0).awaitsReply(MilterStage.ABORT));
        assertTrue(negotiate(6, 0).awaitsReply(MilterStage.EOM));
    }

    @Test
    void refusesVersion1AndFlagsThatWereNotOffered() {
        assertEquals("SMFIR_OPTNEG: version 1 (expected: 2..6)", assertThrows(MilterCodecException.class,
                () -> negotiate(1, 0)).getMessage());
        assertEquals("SMFIR_OPTNEG: protocol flags 0x400000 were not offered (offered: "
                        + ProtocolFlag.describe(MilterClientSettings.DEFAULT_OFFERED_PROTOCOL) + ")",
                assertThrows(MilterCodecException.class, () -> negotiate(6, 0x400000)).getMessage());
    }

    @Test
    void describesItselfWithNames() {
        assertEquals("version 6, actions ADDHDRS|CHGBODY, protocol NOBODY|SKIP",
                NegotiatedOptions.negotiate(OFFER, new MilterReply.OptionNegotiation(6, 0x3,
                        ProtocolFlag.maskOf(ProtocolFlag.NOBODY, ProtocolFlag.SKIP))).toString());
    }

    private static NegotiatedOptions negotiate(int version, int protocol) {
        return NegotiatedOptions.negotiate(OFFER, new MilterReply.OptionNegotiation(version, MilterCodes.V2_ACTIONS, protocol));
    }
}
