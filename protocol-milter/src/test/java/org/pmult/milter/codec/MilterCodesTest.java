package org.pmult.milter.codec;

import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCodes.Reply;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one place outside {@link MilterCodes} where codes are spelled out: a second, independent
 * transcription of libmilter's {@code mfdef.h} codes, so a typo in the table fails here.
 */
class MilterCodesTest {

    private static final Map<String, Character> SPEC_COMMANDS = ordered(
            "SMFIC_OPTNEG", 'O', "SMFIC_MACRO", 'D', "SMFIC_CONNECT", 'C', "SMFIC_HELO", 'H',
            "SMFIC_MAIL", 'M', "SMFIC_RCPT", 'R', "SMFIC_DATA", 'T', "SMFIC_HEADER", 'L',
            "SMFIC_EOH", 'N', "SMFIC_BODY", 'B', "SMFIC_BODYEOB", 'E', "SMFIC_ABORT", 'A',
            "SMFIC_QUIT", 'Q', "SMFIC_QUIT_NC", 'K', "SMFIC_UNKNOWN", 'U');

    private static final Map<String, Character> SPEC_REPLIES = ordered(
            "SMFIR_CONTINUE", 'c', "SMFIR_ACCEPT", 'a', "SMFIR_REJECT", 'r', "SMFIR_TEMPFAIL", 't',
            "SMFIR_DISCARD", 'd', "SMFIR_REPLYCODE", 'y', "SMFIR_SKIP", 's', "SMFIR_CONN_FAIL", 'f',
            "SMFIR_SHUTDOWN", '4', "SMFIR_OPTNEG", 'O', "SMFIR_ADDHEADER", 'h', "SMFIR_INSHEADER", 'i',
            "SMFIR_CHGHEADER", 'm', "SMFIR_ADDRCPT", '+', "SMFIR_ADDRCPT_PAR", '2', "SMFIR_DELRCPT", '-',
            "SMFIR_CHGFROM", 'e', "SMFIR_REPLBODY", 'b', "SMFIR_QUARANTINE", 'q', "SMFIR_PROGRESS", 'p',
            "SMFIR_SETSYMLIST", 'l');

    private static final Map<String, Integer> SPEC_ACTIONS = ordered(
            "SMFIF_ADDHDRS", 0x001, "SMFIF_CHGBODY", 0x002, "SMFIF_ADDRCPT", 0x004, "SMFIF_DELRCPT", 0x008,
            "SMFIF_CHGHDRS", 0x010, "SMFIF_QUARANTINE", 0x020, "SMFIF_CHGFROM", 0x040,
            "SMFIF_ADDRCPT_PAR", 0x080, "SMFIF_SETSYMLIST", 0x100);

    private static final Map<String, Integer> SPEC_PROTOCOL = ordered(
            "SMFIP_NOCONNECT", 0x1, "SMFIP_NOHELO", 0x2, "SMFIP_NOMAIL", 0x4, "SMFIP_NORCPT", 0x8,
            "SMFIP_NOBODY", 0x10, "SMFIP_NOHDRS", 0x20, "SMFIP_NOEOH", 0x40, "SMFIP_NR_HDR", 0x80,
            "SMFIP_NOUNKNOWN", 0x100, "SMFIP_NODATA", 0x200, "SMFIP_SKIP", 0x400, "SMFIP_RCPT_REJ", 0x800,
            "SMFIP_NR_CONN", 0x1000, "SMFIP_NR_HELO", 0x2000, "SMFIP_NR_MAIL", 0x4000,
            "SMFIP_NR_RCPT", 0x8000, "SMFIP_NR_DATA", 0x10000, "SMFIP_NR_UNKN", 0x20000,
            "SMFIP_NR_EOH", 0x40000, "SMFIP_NR_BODY", 0x80000, "SMFIP_HDR_LEADSPC", 0x100000,
            "SMFIP_MDS_256K", 0x10000000, "SMFIP_MDS_1M", 0x20000000);

    private static final Map<String, Integer> SPEC_MACRO_STAGES = ordered(
            "SMFIM_CONNECT", 0, "SMFIM_HELO", 1, "SMFIM_ENVFROM", 2, "SMFIM_ENVRCPT", 3,
            "SMFIM_DATA", 4, "SMFIM_EOM", 5, "SMFIM_EOH", 6);

    private static final Map<String, Character> SPEC_FAMILIES = ordered(
            "SMFIA_UNKNOWN", 'U', "SMFIA_UNIX", 'L', "SMFIA_INET", '4', "SMFIA_INET6", '6');

    @Test
    void commandCodesMatchTheSpec() {
        assertEquals(SPEC_COMMANDS.size(), Command.values().length);
        for (Command command : Command.values()) {
            assertEquals((byte) (char) SPEC_COMMANDS.get(command.libmilterName()), command.code(), command.libmilterName());
            assertSame(command, Command.of(command.code()));
            assertSame(command, Command.byName(command.libmilterName()));
            assertEquals("SMFIC_" + command.name(), command.libmilterName());
        }
        assertUnique(Arrays.stream(Command.values()).map(Command::code).toArray());
    }

    @Test
    void replyCodesMatchTheSpec() {
        assertEquals(SPEC_REPLIES.size(), Reply.values().length);
        for (Reply reply : Reply.values()) {
            assertEquals((byte) (char) SPEC_REPLIES.get(reply.libmilterName()), reply.code(), reply.libmilterName());
            assertSame(reply, Reply.of(reply.code()));
            assertSame(reply, Reply.byName(reply.libmilterName()));
            assertEquals("SMFIR_" + reply.name(), reply.libmilterName());
        }
        assertUnique(Arrays.stream(Reply.values()).map(Reply::code).toArray());
    }

    @Test
    void actionFlagsMatchTheSpec() {
        assertEquals(SPEC_ACTIONS.size(), ActionFlag.values().length);
        for (ActionFlag flag : ActionFlag.values()) {
            assertEquals(SPEC_ACTIONS.get(flag.libmilterName()), flag.bit(), flag.libmilterName());
            assertEquals("SMFIF_" + flag.name(), flag.libmilterName());
            assertSame(flag, ActionFlag.byName(flag.libmilterName()));
        }
        assertUnique(Arrays.stream(ActionFlag.values()).map(ActionFlag::bit).toArray());
    }

    @Test
    void protocolFlagsMatchTheSpec() {
        assertEquals(SPEC_PROTOCOL.size(), ProtocolFlag.values().length);
        for (ProtocolFlag flag : ProtocolFlag.values()) {
            assertEquals(SPEC_PROTOCOL.get(flag.libmilterName()), flag.bit(), flag.libmilterName());
            assertEquals("SMFIP_" + flag.name(), flag.libmilterName());
            assertSame(flag, ProtocolFlag.byName(flag.libmilterName()));
        }
        assertUnique(Arrays.stream(ProtocolFlag.values()).map(ProtocolFlag::bit).toArray());
    }

    @Test
    void macroStagesAndAddressFamiliesMatchTheSpec() {
        for (MacroStage stage : MacroStage.values()) {
            assertEquals(SPEC_MACRO_STAGES.get(stage.libmilterName()), stage.id(), stage.libmilterName());
            assertSame(stage, MacroStage.of(stage.id()));
        }
        assertEquals(SPEC_MACRO_STAGES.size(), MacroStage.values().length);
        for (AddressFamily family : AddressFamily.values()) {
            assertEquals((byte) (char) SPEC_FAMILIES.get(family.libmilterName()), family.code(), family.libmilterName());
            assertSame(family, AddressFamily.of(family.code()));
        }
        assertEquals(SPEC_FAMILIES.size(), AddressFamily.values().length);
    }

    @Test
    void versionMasksMatchTheSpec() {
        assertEquals(0x3F, MilterCodes.V2_ACTIONS);
        assertEquals(0x1FF, MilterCodes.V6_ACTIONS);
        assertEquals(0x7F, MilterCodes.V2_FALLBACK_ACTIONS);
        assertEquals(0x7F, MilterCodes.protocolMask(2));
        assertEquals(0x17F, MilterCodes.protocolMask(3));
        assertEquals(0x37F, MilterCodes.protocolMask(4));
        assertEquals(0x37F, MilterCodes.protocolMask(5));
        assertEquals(0x1FFFFF, MilterCodes.protocolMask(6));
        assertEquals(0x3F, MilterCodes.actionMask(2));
        assertEquals(0x1FF, MilterCodes.actionMask(6));
        assertEquals(65535, MilterCodes.MAX_DATA_SIZE);
        assertEquals(65535, MilterCodes.MAX_BODY_CHUNK);
        assertThrows(IllegalArgumentException.class, () -> MilterCodes.protocolMask(1));
        assertThrows(IllegalArgumentException.class, () -> MilterCodes.actionMask(7));
    }

    @Test
    void commandsKnowTheirSkipAndNoReplyFlags() {
        assertSame(ProtocolFlag.NORCPT, Command.RCPT.skipFlag());
        assertSame(ProtocolFlag.NR_RCPT, Command.RCPT.noReplyFlag());
        assertSame(ProtocolFlag.NOHDRS, Command.HEADER.skipFlag());
        assertSame(ProtocolFlag.NR_HDR, Command.HEADER.noReplyFlag());
        assertSame(ProtocolFlag.NOUNKNOWN, Command.UNKNOWN.skipFlag());
        assertSame(ProtocolFlag.NR_UNKN, Command.UNKNOWN.noReplyFlag());
        assertEquals(4, Command.DATA.sinceVersion());
        assertEquals(3, Command.UNKNOWN.sinceVersion());
        Set<Command> unanswered = new HashSet<>();
        for (Command command : Command.values()) {
            if (!command.answered()) {
                unanswered.add(command);
            }
        }
        assertEquals(Set.of(Command.MACRO, Command.ABORT, Command.QUIT, Command.QUIT_NC), unanswered);
        assertSame(Command.BODYEOB, MacroStage.EOM.command());
        assertSame(Command.MAIL, MacroStage.ENVFROM.command());
    }

    @Test
    void modificationRepliesNameTheActionTheyNeed() {
        assertSame(ActionFlag.ADDHDRS, Reply.ADDHEADER.requiredAction());
        assertSame(ActionFlag.ADDHDRS, Reply.INSHEADER.requiredAction());
        assertSame(ActionFlag.CHGHDRS, Reply.CHGHEADER.requiredAction());
        assertSame(ActionFlag.CHGBODY, Reply.REPLBODY.requiredAction());
        assertSame(ActionFlag.ADDRCPT_PAR, Reply.ADDRCPT_PAR.requiredAction());
        assertSame(null, Reply.CONTINUE.requiredAction());
    }

    @Test
    void unknownCodesAreRejectedWithTheCodeInTheMessage() {
        MilterCodecException command = assertThrows(MilterCodecException.class, () -> Command.of((byte) 'Z'));
        assertEquals("unknown command code 0x5a ('Z') (expected: one of the SMFIC_* codes)", command.getMessage());
        MilterCodecException reply = assertThrows(MilterCodecException.class, () -> Reply.of((byte) 0));
        assertEquals("unknown reply code 0x00 (expected: one of the SMFIR_* codes)", reply.getMessage());
        assertThrows(MilterCodecException.class, () -> MacroStage.of(7));
        assertThrows(MilterCodecException.class, () -> MacroStage.of(-1));
        assertThrows(MilterCodecException.class, () -> AddressFamily.of((byte) 'X'));
        assertThrows(IllegalArgumentException.class, () -> Command.byName("SMFIC_NOPE"));
    }

    @Test
    void masksRenderAsNames() {
        assertEquals("NOBODY|NOEOH|NOUNKNOWN|NODATA|SKIP", ProtocolFlag.describe(0x750));
        assertEquals("none", ProtocolFlag.describe(0));
        assertEquals("ADDHDRS|CHGBODY|0x4000", ActionFlag.describe(0x4003));
        assertEquals(ActionFlag.values().length, ActionFlag.flagsIn(MilterCodes.V6_ACTIONS).size());
    }

    private static void assertUnique(Object[] values) {
        assertEquals(values.length, new HashSet<>(Arrays.asList(values)).size(), "duplicate code");
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> ordered(Object... pairs) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            assertTrue(map.put((String) pairs[i], (V) pairs[i + 1]) == null, "duplicate spec entry " + pairs[i]);
        }
        return map;
    }
}
