package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.MacroValidity;
import org.pmult.pmilter.codec.PmilterCodes.ModKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCommand;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/**
 * The one test that spells the numbers: every constant of {@link PmilterCodes} against the tables of
 * docs/pmilter-wire.md, transcribed here by hand from that text.
 */
class PmilterCodesTest {

    @Test
    void boundsMatchSection10() {
        assertEquals(1, PmilterCodes.PROFILE_VERSION);
        assertEquals(12, PmilterCodes.MIN_MESSAGE_LENGTH);
        assertEquals(1_048_576, PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
        assertEquals(1, PmilterCodes.MIN_SEID_LENGTH);
        assertEquals(64, PmilterCodes.MAX_SEID_LENGTH);
        assertEquals(65_536, PmilterCodes.MAX_CHUNK_LENGTH);
        assertEquals(8, PmilterCodes.MAX_MACROS_PER_STAGE);
        assertEquals(4, PmilterCodes.LENGTH_FIELD_LENGTH);
        assertEquals(8, PmilterCodes.ENTRY_HEADER_LENGTH);
        // PROT + CMD + SEID(64) + CHUNK(65536) must fit the smallest configurable maximum.
        assertEquals(12 + 12 + 8 + 64 + 8 + 65_536, PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH);
    }

    @Test
    void tagsMatchSection10_2() {
        assertTable(Tag.class, Tag::value, Map.ofEntries(
                Map.entry("PROT", 0x0001), Map.entry("CMD", 0x0002), Map.entry("SEID", 0x0003),
                Map.entry("CAPS", 0x0010), Map.entry("MAXSESS", 0x0011), Map.entry("MACSTAGE", 0x0012),
                Map.entry("MACID", 0x0013), Map.entry("MACVAL", 0x0014), Map.entry("CLT_ADDR", 0x0020),
                Map.entry("CLT_PORT", 0x0021), Map.entry("CLT_NAME", 0x0022), Map.entry("HELO", 0x0030),
                Map.entry("HELO_KIND", 0x0031), Map.entry("MAIL", 0x0040), Map.entry("ARGS", 0x0041),
                Map.entry("RCPT", 0x0050), Map.entry("RCPT_IDX", 0x0051), Map.entry("CHUNK", 0x0060),
                Map.entry("UNKNOWN", 0x0070), Map.entry("RCODE", 0x0080), Map.entry("TEXT", 0x0081),
                Map.entry("MOD", 0x0090), Map.entry("MOD_IDX", 0x0091), Map.entry("MOD_NAME", 0x0092),
                Map.entry("MOD_VALUE", 0x0093)));
        for (Tag tag : Tag.values()) {
            assertSame(tag, Tag.fromValue(tag.value()));
        }
        assertNull(Tag.fromValue(0x0004));
        assertNull(Tag.fromValue(0xFFFF_FFFFL));
    }

    @Test
    void integerTagsAreTheOnesTheSpecGivesAsU32() {
        Set<Tag> ints = EnumSet.of(Tag.PROT, Tag.CMD, Tag.CAPS, Tag.MAXSESS, Tag.MACSTAGE, Tag.MACID, Tag.CLT_PORT,
                Tag.HELO_KIND, Tag.RCPT_IDX, Tag.RCODE, Tag.MOD, Tag.MOD_IDX);
        for (Tag tag : Tag.values()) {
            assertEquals(ints.contains(tag), tag.kind() == Tag.Kind.INT, tag.name());
        }
    }

    @Test
    void commandsMatchSection10_3() {
        assertTable(Command.class, Command::value, Map.ofEntries(
                Map.entry("NEGOTIATE", 0x01), Map.entry("CONNECT", 0x02), Map.entry("EHLO", 0x03),
                Map.entry("MAIL", 0x04), Map.entry("RCPT", 0x05), Map.entry("DATA", 0x06), Map.entry("MSG", 0x07),
                Map.entry("DOT", 0x08), Map.entry("ABORT", 0x09), Map.entry("CLOSE", 0x0A),
                Map.entry("UNKNOWN", 0x0B), Map.entry("PING", 0x0C)));
        assertFalse(Command.NEGOTIATE.isSessionCommand());
        assertFalse(Command.PING.isSessionCommand());
        assertFalse(Command.CLOSE.expectsReply());
        for (Command command : Command.values()) {
            assertSame(command, Command.fromValue(command.value()));
            if (command != Command.NEGOTIATE && command != Command.PING) {
                assertTrue(command.isSessionCommand(), command.name());
            }
        }
        assertEquals(Stage.CONNECT, Command.CONNECT.macroStage());
        assertEquals(Stage.DOT, Command.DOT.macroStage());
        assertNull(Command.MSG.macroStage());
    }

    @Test
    void repliesMatchSection10_4() {
        assertTable(ReplyCommand.class, ReplyCommand::value, Map.of("REPLY", 0x80, "NEGOTIATE_REPLY", 0x81));
        assertTable(ReplyCode.class, ReplyCode::value, Map.of("CONTINUE", 0, "ACCEPT", 1, "REJECT", 2,
                "TEMPFAIL", 3, "DISCARD", 4, "SHUTDOWN", 5, "ERROR", 6));
        assertEquals("550 5.7.1 Command rejected", ReplyCode.REJECT.defaultText());
        assertEquals("451 4.7.1 Try again later", ReplyCode.TEMPFAIL.defaultText());
        assertEquals('5', ReplyCode.REJECT.requiredTextClass());
        assertEquals('4', ReplyCode.TEMPFAIL.requiredTextClass());
        assertEquals('4', ReplyCode.SHUTDOWN.requiredTextClass());
        assertTrue(ReplyCode.SHUTDOWN.defaultText().startsWith("421 "));
        for (ReplyCode code : ReplyCode.values()) {
            assertSame(code, ReplyCode.fromValue(code.value()));
        }
    }

    @Test
    void capabilitiesMatchSection10_5() {
        assertTable(Capability.class, Capability::bit, Map.ofEntries(
                Map.entry("CONNECT", 0x01), Map.entry("EHLO", 0x02), Map.entry("MAIL", 0x04), Map.entry("RCPT", 0x08),
                Map.entry("DATA", 0x10), Map.entry("MSG", 0x20), Map.entry("DOT", 0x40), Map.entry("UNKNOWN", 0x80),
                Map.entry("MOD_HDR", 0x100), Map.entry("MOD_RCPT", 0x200), Map.entry("MOD_BODY", 0x400),
                Map.entry("MOD_MAIL", 0x800)));
        assertEquals(0x0FF, PmilterCodes.STAGE_CAPS_MASK);
        assertEquals(0xF00, PmilterCodes.MOD_CAPS_MASK);
        assertEquals(0xFFF, PmilterCodes.ALL_MASK);
        assertEquals(EnumSet.of(Capability.MAIL, Capability.MOD_HDR), Capability.fromMask(0x104 | 0x4000));
        assertEquals("MAIL|MOD_HDR|0x4000", Capability.describe(0x104 | 0x4000));
    }

    @Test
    void stagesMatchSection10_6() {
        assertTable(Stage.class, Stage::id, Map.of("CONNECT", 1, "EHLO", 2, "MAIL", 3, "RCPT", 4, "DATA", 5, "DOT", 6));
        for (Stage stage : Stage.values()) {
            assertEquals(stage.name(), stage.capability().name());
            assertSame(stage, Stage.fromId(stage.id()));
        }
    }

    @Test
    void macrosMatchSection10_7() {
        Map<String, Integer> byConfigName = new LinkedHashMap<>();
        for (Macro macro : Macro.values()) {
            byConfigName.put(macro.configName(), macro.id());
        }
        assertEquals(Map.ofEntries(Map.entry("hostname", 1), Map.entry("client_resolve", 2),
                Map.entry("tls_version", 3), Map.entry("tls_cipher_suite", 4), Map.entry("tls_cipher_bits", 5),
                Map.entry("tls_cert_subject", 6), Map.entry("tls_cert_issuer", 7), Map.entry("tls_alg_bits", 8),
                Map.entry("tls_vrfy", 9), Map.entry("tls_cn_subject", 10), Map.entry("tls_cn_issuer", 11),
                Map.entry("auth_type", 12), Map.entry("auth_authen", 13), Map.entry("auth_author", 14),
                Map.entry("taid", 15), Map.entry("msgid", 16), Map.entry("c", 17)), byConfigName);
        assertNoDuplicates(Macro.values(), Macro::id);
        assertSame(Macro.TLS_CN_SUBJECT, Macro.fromConfigName("cn_subject"));
        assertSame(Macro.TLS_CN_ISSUER, Macro.fromConfigName("cn_issuer"));
        assertSame(Macro.AUTH_TYPE, Macro.fromConfigName("AUTH_TYPE"));
        assertNull(Macro.fromConfigName("client_addr"));
        for (Macro macro : Macro.values()) {
            assertSame(macro, Macro.fromId(macro.id()));
            assertSame(macro, Macro.fromConfigName(macro.configName()));
        }
    }

    @Test
    void macroValidityFollowsSection10_7() {
        for (Macro macro : List.of(Macro.HOSTNAME, Macro.CLIENT_RESOLVE)) {
            assertEquals(MacroValidity.ALWAYS, macro.validity());
        }
        for (Macro macro : List.of(Macro.TLS_VERSION, Macro.TLS_CIPHER_SUITE, Macro.TLS_CIPHER_BITS,
                Macro.TLS_CERT_SUBJECT, Macro.TLS_CERT_ISSUER, Macro.TLS_ALG_BITS, Macro.TLS_VRFY,
                Macro.TLS_CN_SUBJECT, Macro.TLS_CN_ISSUER)) {
            assertEquals(MacroValidity.AFTER_STARTTLS, macro.validity(), macro.name());
        }
        for (Macro macro : List.of(Macro.AUTH_TYPE, Macro.AUTH_AUTHEN, Macro.AUTH_AUTHOR, Macro.TAID)) {
            assertFalse(macro.isValidAt(Stage.EHLO), macro.name());
            assertTrue(macro.isValidAt(Stage.MAIL), macro.name());
            assertTrue(macro.isValidAt(Stage.DOT), macro.name());
        }
        assertFalse(Macro.MSGID.isValidAt(Stage.DATA));
        assertTrue(Macro.MSGID.isValidAt(Stage.DOT));
        assertFalse(Macro.HOP_COUNT.isValidAt(Stage.RCPT));
        assertTrue(Macro.HOP_COUNT.isValidAt(Stage.DATA));
        assertTrue(Macro.HOP_COUNT.isValidAt(Stage.DOT));
    }

    @Test
    void modificationKindsMatchSection10_8() {
        assertTable(ModKind.class, ModKind::value, Map.of("ADD_HDR", 1, "INSERT_HDR", 2, "CHANGE_HDR", 3,
                "ADD_RCPT", 4, "DEL_RCPT", 5, "REPLACE_BODY", 6, "CHANGE_MAIL", 7));
        assertEquals(Capability.MOD_HDR, ModKind.CHANGE_HDR.capability());
        assertEquals(Capability.MOD_RCPT, ModKind.DEL_RCPT.capability());
        assertEquals(Capability.MOD_BODY, ModKind.REPLACE_BODY.capability());
        assertEquals(Capability.MOD_MAIL, ModKind.CHANGE_MAIL.capability());
    }

    @Test
    void heloKindsMatchSection10_2() {
        assertTable(HeloKind.class, HeloKind::value, Map.of("HELO", 0, "EHLO", 1));
        assertNull(HeloKind.fromValue(2));
    }

    private static <E extends Enum<E>> void assertTable(Class<E> type, ToIntFunction<E> value, Map<String, Integer> spec) {
        Map<String, Integer> actual = new LinkedHashMap<>();
        for (E constant : type.getEnumConstants()) {
            actual.put(constant.name(), value.applyAsInt(constant));
        }
        assertEquals(spec, actual, type.getSimpleName());
        assertNoDuplicates(type.getEnumConstants(), value::applyAsInt);
    }

    private static <E> void assertNoDuplicates(E[] constants, Function<E, Integer> value) {
        Set<Integer> seen = new HashSet<>();
        for (E constant : constants) {
            assertTrue(seen.add(value.apply(constant)), "duplicate value of " + constant);
        }
    }
}
