package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.LongFunction;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ModKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCommand;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/**
 * The array lookups of {@link PmilterCodes} ({@code fromValue}, {@code fromId}) against a plain
 * search of the enum constants, for every code a lookup array can hold, the codes just outside it
 * and the extremes of the {@code long} a decoder passes in (an unsigned u32 read from the wire).
 */
class PmilterCodesLookupTest {

    /** Codes outside every array: negative, just past the array bound, u32 and long extremes. */
    private static final long[] OUT_OF_RANGE = {
        -1, -2, PmilterCodes.MAX_INDEXED_CODE + 1L, 0x1_00L, 0x1_01L, 0xFFFFL, 0x1_0000L,
        Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE,
        // Values whose low bits name a real code: a lookup that truncates to int or byte would find one.
        0x1_0000_0001L, 0x1_0000_0013L, 0x1_0000_0080L, 0xFFFF_FF01L, 0x1_13L, 0x1_80L
    };

    @Test
    void tagLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(Tag.values(), Tag::value, Tag::fromValue);
    }

    @Test
    void commandLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(Command.values(), Command::value, Command::fromValue);
    }

    @Test
    void replyCommandLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(ReplyCommand.values(), ReplyCommand::value, ReplyCommand::fromValue);
    }

    @Test
    void replyCodeLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(ReplyCode.values(), ReplyCode::value, ReplyCode::fromValue);
    }

    @Test
    void stageLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(Stage.values(), Stage::id, Stage::fromId);
    }

    @Test
    void macroLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(Macro.values(), Macro::id, Macro::fromId);
    }

    @Test
    void modKindLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(ModKind.values(), ModKind::value, ModKind::fromValue);
    }

    @Test
    void heloKindLookupMatchesTheEnumForEveryCode() {
        assertLookupMatches(HeloKind.values(), HeloKind::value, HeloKind::fromValue);
    }

    @Test
    void zeroIsOnlyKnownWhereTheSpecGivesItAMeaning() {
        assertSame(ReplyCode.CONTINUE, ReplyCode.fromValue(0));
        assertSame(HeloKind.HELO, HeloKind.fromValue(0));
        assertNull(Tag.fromValue(0));
        assertNull(Command.fromValue(0));
        assertNull(ReplyCommand.fromValue(0));
        assertNull(Stage.fromId(0));
        assertNull(Macro.fromId(0));
        assertNull(ModKind.fromValue(0));
    }

    @Test
    void highestCodeOfEachTableIsFoundAndTheNextIsNot() {
        assertSame(Tag.MOD_VALUE, Tag.fromValue(Tag.MOD_VALUE.value()));
        assertNull(Tag.fromValue(Tag.MOD_VALUE.value() + 1L));
        assertSame(Macro.HOP_COUNT, Macro.fromId(Macro.HOP_COUNT.id()));
        assertNull(Macro.fromId(Macro.HOP_COUNT.id() + 1L));
        assertSame(ReplyCommand.NEGOTIATE_REPLY, ReplyCommand.fromValue(ReplyCommand.NEGOTIATE_REPLY.value()));
        assertNull(ReplyCommand.fromValue(ReplyCommand.NEGOTIATE_REPLY.value() + 1L));
    }

    private static <E> void assertLookupMatches(E[] constants, ToIntFunction<E> code, LongFunction<E> lookup) {
        for (E constant : constants) {
            assertTrue(code.applyAsInt(constant) <= PmilterCodes.MAX_INDEXED_CODE, constant + " fits the lookup array");
        }
        for (long value = -1; value <= PmilterCodes.MAX_INDEXED_CODE + 1L; value++) {
            assertSame(search(constants, code, value), lookup.apply(value), "code " + value);
        }
        for (long value : OUT_OF_RANGE) {
            assertNull(lookup.apply(value), "code " + value);
        }
        int known = 0;
        for (long value = 0; value <= PmilterCodes.MAX_INDEXED_CODE; value++) {
            known += lookup.apply(value) == null ? 0 : 1;
        }
        assertEquals(constants.length, known, "every constant is found, once");
    }

    private static <E> E search(E[] constants, ToIntFunction<E> code, long value) {
        for (E constant : constants) {
            if (code.applyAsInt(constant) == value) {
                return constant;
            }
        }
        return null;
    }
}
