package org.pmult.server.macro;

import org.pmult.milter.codec.MilterMacros;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterMacros;

/**
 * One SMTP session's macro values, one slot per {@link MacroCatalog} entry. MeTA1's values are
 * stored as they arrive and stay until replaced; building a stage's Milter macros is an array copy
 * by precomputed slot indexes.
 */
public final class SessionMacros {

    private final String[] values = new String[MacroCatalog.size()];

    public void set(OwnMacro macro, String value) {
        values[macro.slot()] = value;
    }

    public String get(OwnMacro macro) {
        return values[macro.slot()];
    }

    /** The value of MeTA1 macro {@code macro} received so far, or null. */
    public String get(Macro macro) {
        return values[MacroCatalog.slotOf(macro)];
    }

    /** Stores the MeTA1 macros a command carried; ids this profile does not know are ignored. */
    public void apply(PmilterMacros macros) {
        for (int i = 0, n = macros.size(); i < n; i++) {
            Macro macro = macros.macro(i);
            if (macro != null) {
                values[MacroCatalog.slotOf(macro)] = macros.value(i);
            }
        }
    }

    /** The values {@code stage} names, in its order; unknown ones are null and left out of the packet. */
    public MilterMacros valuesFor(StageMacros stage) {
        if (stage.isEmpty()) {
            return MilterMacros.EMPTY;
        }
        int[] slots = stage.slots();
        String[] picked = new String[slots.length];
        for (int i = 0; i < slots.length; i++) {
            picked[i] = values[slots[i]];
        }
        return MilterMacros.of(stage.names(), picked);
    }
}
