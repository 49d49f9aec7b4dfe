package org.pmult.server.macro;

import org.pmult.milter.codec.MilterMacroNames;

/**
 * What one milter gets at one stage: the names, already encoded, and for each name the slot of a
 * session's value table holding its value.
 *
 * @param key dense index of this (client, stage) within its plan, from 0; a session keeps one
 *            reusable value holder per key so that a stage allocates nothing in steady state
 */
public record StageMacros(MilterMacroNames names, int[] slots, int key) {

    public static final StageMacros NONE = new StageMacros(MilterMacroNames.EMPTY, new int[0], -1);

    public StageMacros {
        if (names.size() != slots.length) {
            throw new IllegalArgumentException("slots: " + slots.length + " (expected: " + names.size() + ")");
        }
    }

    public boolean isEmpty() {
        return slots.length == 0;
    }
}
