package org.pmult.milter.codec;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MilterMacrosTest {

    @Test
    void parsesASetSymListListKeepingTheFiltersSpelling() {
        MilterMacroNames names = MilterMacroNames.parseList("{client_addr}  j {daemon_name} ");
        assertEquals(List.of("{client_addr}", "j", "{daemon_name}"), names.names());
        assertEquals("{client_addr} j {daemon_name}", names.toList());
        assertEquals(1, names.indexOf("j"));
        assertSame(MilterMacroNames.EMPTY, MilterMacroNames.parseList(""));
    }

    @Test
    void namesAreEncodedOnceWithTheirNul() {
        MilterMacroNames names = MilterMacroNames.of("i", "{mail_addr}");
        assertEquals("69 00", WireBytes.hex(names.encodedName(0)));
        assertEquals(12, names.encodedName(1).length);
    }

    @Test
    void bareNameDropsSendmailBraces() {
        assertEquals("client_addr", MilterMacroNames.bareName("{client_addr}"));
        assertEquals("i", MilterMacroNames.bareName("i"));
        assertEquals("{}", MilterMacroNames.bareName("{}"));
    }

    @Test
    void refusesEmptyOrNulNamesAndMismatchedValues() {
        assertThrows(IllegalArgumentException.class, () -> MilterMacroNames.of("j", ""));
        assertThrows(IllegalArgumentException.class, () -> MilterMacroNames.of("a\0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MilterMacros.of(MilterMacroNames.of("i", "j"), "only-one"));
        assertEquals("macro values: 1 (expected: 2, one per name [i, j])", e.getMessage());
    }

    @Test
    void unknownValuesAreLeftOutAndAllUnknownMeansEmpty() {
        MilterMacroNames names = MilterMacroNames.of("i", "j");
        assertEquals(Map.of("j", "mx"), MilterMacros.of(names, null, "mx").toMap());
        assertTrue(MilterMacros.of(names, null, null).isEmpty());
        assertTrue(MilterMacros.EMPTY.isEmpty());
    }
}
