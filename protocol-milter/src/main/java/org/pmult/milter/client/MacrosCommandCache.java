package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacros;

import java.util.Arrays;

/**
 * The last D packet per stage, reused while the caller passes the same (refilled) macro holder, so
 * a repeated stage allocates no new command. Touched only on the session's event loop.
 */
final class MacrosCommandCache {

    private final MilterCommand.Macros[] byStage = new MilterCommand.Macros[MilterStage.values().length];

    /** The D packet carrying {@code macros} for {@code stage}. */
    MilterCommand.Macros get(MilterStage stage, MilterMacros macros) {
        int index = stage.ordinal();
        MilterCommand.Macros cached = byStage[index];
        if (cached == null || cached.macros() != macros) {
            cached = new MilterCommand.Macros(stage.command(), macros);
            byStage[index] = cached;
        }
        return cached;
    }

    /** Forgets every holder (they belong to a session that ended). */
    void clear() {
        Arrays.fill(byStage, null);
    }
}
