package org.pmult.server.macro;

import org.pmult.milter.codec.MilterMacros;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterMacros;

/**
 * One SMTP session's macro values, one slot per {@link MacroCatalog} entry. MeTA1's values are
 * stored as they arrive and stay until replaced; building a stage's Milter macros is an array copy
 * by precomputed slot indexes into a holder kept per (client, stage), so a stage seen before in the
 * session (every RCPT, every later transaction) allocates nothing.
 *
 * <p>Reusing the holder is safe because a session handles one pmilter command at a time and a
 * milter session writes (encodes) a command's macros before the reply that lets the next command
 * of the session start; everything runs on the session's event loop.
 */
public final class SessionMacros {

    private final String[] values = new String[MacroCatalog.size()];
    /** The administrator's value per slot (macro defaults), used where {@link #values} has none; may hold nulls. */
    private final String[] defaults;
    /** Reusable holders by {@link StageMacros#key()}; grown on first use of a key. */
    private MilterMacros[] holders = new MilterMacros[0];
    private String[][] holderValues = new String[0][];

    /** A session without macro defaults. */
    public SessionMacros() {
        this(new String[MacroCatalog.size()]);
    }

    /** @param defaults the value per slot when the session has none ({@link MacroPlan#defaults()}) */
    public SessionMacros(String[] defaults) {
        if (defaults.length != MacroCatalog.size()) {
            throw new IllegalArgumentException("defaults: " + defaults.length + " slots (expected: " + MacroCatalog.size() + ")");
        }
        this.defaults = defaults;
    }

    public void set(OwnMacro macro, String value) {
        values[macro.slot()] = value;
    }

    /**
     * A value pmult derives for a macro the administrator may also give with {@code macro-default}:
     * the administrator's value wins, so this one is kept only where there is none.
     */
    public void derive(OwnMacro macro, String value) {
        if (defaults[macro.slot()] == null) {
            values[macro.slot()] = value;
        }
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

    /**
     * The values {@code stage} names, in its order; unknown ones are null and left out of the packet.
     * The result is refilled the next time the same stage is asked for: send it before that.
     */
    public MilterMacros valuesFor(StageMacros stage) {
        if (stage.isEmpty()) {
            return MilterMacros.EMPTY;
        }
        int key = stage.key();
        if (key >= holders.length) {
            int size = Math.max(key + 1, holders.length * 2);
            holders = java.util.Arrays.copyOf(holders, size);
            holderValues = java.util.Arrays.copyOf(holderValues, size);
        }
        String[] picked = holderValues[key];
        if (picked == null) {
            picked = new String[stage.slots().length];
            holderValues[key] = picked;
            holders[key] = MilterMacros.of(stage.names(), picked);
        }
        int[] slots = stage.slots();
        for (int i = 0; i < slots.length; i++) {
            String value = values[slots[i]];
            picked[i] = value != null ? value : defaults[slots[i]];
        }
        return holders[key];
    }
}
