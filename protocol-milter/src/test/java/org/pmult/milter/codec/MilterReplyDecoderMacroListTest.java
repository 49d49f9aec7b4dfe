package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterCodes.MacroStage;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OPTNEG macro lists {@link MilterReplyDecoder} interns: a second connection's identical lists
 * decode to the same instances, and malformed replies fail exactly as before any list was cached.
 */
class MilterReplyDecoderMacroListTest {

    private static final int VERSION = 6;
    private static final int PROTOCOL = 0x750;

    @Test
    void theSameListsOnAnotherConnectionDecodeToTheSameInstances() {
        MilterReply.OptionNegotiation sent = new MilterReply.OptionNegotiation(VERSION, MilterCodes.V6_ACTIONS,
                PROTOCOL, mailfromdLists());
        MilterReply.OptionNegotiation first = decodeEncoded(sent);
        MilterReply.OptionNegotiation second = decodeEncoded(sent);
        assertEquals(sent, first);
        assertEquals(sent, second);
        for (MacroStage stage : sent.macroLists().keySet()) {
            assertSame(first.macroLists().get(stage), second.macroLists().get(stage), stage.name());
        }
    }

    @Test
    void theSameListForTwoStagesIsOneInstance() {
        Map<MacroStage, MilterMacroNames> lists = new EnumMap<>(MacroStage.class);
        lists.put(MacroStage.ENVFROM, MilterMacroNames.of("i", "{shared_stage_list}"));
        lists.put(MacroStage.EOM, MilterMacroNames.of("i", "{shared_stage_list}"));
        MilterReply.OptionNegotiation decoded = decodeEncoded(
                new MilterReply.OptionNegotiation(VERSION, MilterCodes.V6_ACTIONS, PROTOCOL, lists));
        assertEquals(lists, decoded.macroLists());
        assertSame(decoded.macroLists().get(MacroStage.ENVFROM), decoded.macroLists().get(MacroStage.EOM));
    }

    @Test
    void aListWithoutItsNulFailsTheSameWhetherOrNotItWasCached() {
        String list = "{client_addr} {nul_test}";
        byte[] truncated = optneg(record(MacroStage.CONNECT.id(), list, false));
        String before = assertThrows(MilterCodecException.class, () -> decode(truncated)).getMessage();
        decode(optneg(record(MacroStage.CONNECT.id(), list, true)));
        String after = assertThrows(MilterCodecException.class, () -> decode(truncated)).getMessage();
        assertEquals("SMFIR_OPTNEG SETSYMLIST list: missing NUL terminator after 24 bytes", before);
        assertEquals(before, after);
    }

    @Test
    void aListForAnUnknownStageWithoutItsNulIsStillRejected() {
        byte[] truncated = optneg(record(MacroStage.values().length, "j", false));
        assertEquals("SMFIR_OPTNEG SETSYMLIST list: missing NUL terminator after 1 bytes",
                assertThrows(MilterCodecException.class, () -> decode(truncated)).getMessage());
    }

    @Test
    void aStageListedTwiceIsRejectedEvenWhenItsListIsCached() {
        byte[] once = optneg(record(MacroStage.EOM.id(), "i {twice_test}", true));
        decode(once);
        byte[] twice = optneg(record(MacroStage.EOM.id(), "i {twice_test}", true),
                record(MacroStage.EOM.id(), "i {twice_test}", true));
        assertEquals("SMFIR_OPTNEG: SETSYMLIST stage SMFIM_EOM listed twice",
                assertThrows(MilterCodecException.class, () -> decode(twice)).getMessage());
    }

    @Test
    void aHostileFilterSendingEverNewListsCannotGrowTheCache() {
        for (int i = 0; i < 1_000; i++) {
            String list = "{hostile_" + i + "} " + "x".repeat(i % 40);
            MilterReply.OptionNegotiation decoded = decode(optneg(record(MacroStage.HELO.id(), list, true)));
            assertEquals(MilterMacroNames.parseList(list), decoded.macroLists().get(MacroStage.HELO));
            assertTrue(MilterReplyDecoder.cachedMacroLists() <= MacroListCache.DEFAULT_SLOTS,
                    "cached after " + i + ": " + MilterReplyDecoder.cachedMacroLists());
        }
    }

    /** The lists mailfromd 8.15 sent for a filter that reads every macro (observed). */
    private static Map<MacroStage, MilterMacroNames> mailfromdLists() {
        Map<MacroStage, MilterMacroNames> lists = new EnumMap<>(MacroStage.class);
        lists.put(MacroStage.CONNECT, MilterMacroNames.parseList("{client_addr} {client_name} j {daemon_name}"));
        lists.put(MacroStage.HELO, MilterMacroNames.parseList("s {tls_version}"));
        lists.put(MacroStage.ENVFROM, MilterMacroNames.parseList("f {mail_addr} {mail_host} {mail_mailer} i {auth_authen}"));
        lists.put(MacroStage.ENVRCPT, MilterMacroNames.parseList("{rcpt_addr} {rcpt_host} {rcpt_mailer}"));
        lists.put(MacroStage.EOM, MilterMacroNames.parseList("i {client_addr} {mail_addr}"));
        return lists;
    }

    private static MilterReply.OptionNegotiation decodeEncoded(MilterReply.OptionNegotiation reply) {
        ByteBuf framed = MilterReplyEncoder.encode(UnpooledByteBufAllocator.DEFAULT, reply, MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        try {
            framed.skipBytes(MilterCodes.LENGTH_FIELD_BYTES);
            return (MilterReply.OptionNegotiation) MilterReplyDecoder.decode(framed);
        } finally {
            framed.release();
        }
    }

    private static MilterReply.OptionNegotiation decode(byte[] packet) {
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        try {
            return (MilterReply.OptionNegotiation) MilterReplyDecoder.decode(in);
        } finally {
            in.release();
        }
    }

    /** An OPTNEG packet (code byte first, no length field) with the given SETSYMLIST records. */
    private static byte[] optneg(ByteBuf... records) {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeByte(MilterCodes.Reply.OPTNEG.code());
            out.writeInt(VERSION).writeInt(MilterCodes.V6_ACTIONS).writeInt(PROTOCOL);
            for (ByteBuf record : records) {
                out.writeBytes(record);
                record.release();
            }
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    private static ByteBuf record(int stage, String list, boolean withNul) {
        ByteBuf record = Unpooled.buffer().writeInt(stage).writeBytes(list.getBytes(StandardCharsets.UTF_8));
        return withNul ? record.writeByte(0) : record;
    }
}
