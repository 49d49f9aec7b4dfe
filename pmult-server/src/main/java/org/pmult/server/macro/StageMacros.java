package org.pmult.server.macro;

import org.pmult.milter.codec.MilterMacroNames;

/**
 * What one milter gets at one stage: the names, already encoded, and for each name the slot of a
 * session's value table holding its value.
 */
public record StageMacros(MilterMacroNames names, int[] slots) {

    public static final StageMacros NONE = new StageMacros(MilterMacroNames.EMPTY, new int[0]);

    public StageMacros {
        if (names.size() != slots.length) {
            throw new IllegalArgumentException("slots: " + slots.length + " (expected: " + names.size() + ")");
        }
    }

    public boolean isEmpty() {
        return slots.length == 0;
    }
}
