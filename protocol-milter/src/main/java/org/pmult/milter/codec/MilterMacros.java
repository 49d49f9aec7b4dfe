package org.pmult.milter.codec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Macro values for one stage: a precomputed {@link MilterMacroNames} plus a values array in the
 * same order. A null value means "not known" and the macro is left out of the packet, as Sendmail
 * does. For speed the array is not copied: its owner may refill it for the same stage's next use
 * only after the packet carrying it was written (pmult reuses one per session, client and stage).
 */
public final class MilterMacros {

    /** No macros; no {@code D} packet is sent for it. */
    public static final MilterMacros EMPTY = new MilterMacros(MilterMacroNames.EMPTY, new String[0]);

    private final MilterMacroNames names;
    private final String[] values;

    private MilterMacros(MilterMacroNames names, String[] values) {
        this.names = names;
        this.values = values;
    }

    /** Values for {@code names}, index by index; the array is kept, not copied. */
    public static MilterMacros of(MilterMacroNames names, String... values) {
        if (values.length != names.size()) {
            throw new IllegalArgumentException("macro values: " + values.length
                    + " (expected: " + names.size() + ", one per name " + names + ")");
        }
        return names.isEmpty() ? EMPTY : new MilterMacros(names, values);
    }

    /** Convenience for tests and configuration: name/value pairs in map order (not for the hot path). */
    public static MilterMacros of(Map<String, String> namesToValues) {
        if (namesToValues.isEmpty()) {
            return EMPTY;
        }
        List<String> names = new ArrayList<>(namesToValues.keySet());
        return new MilterMacros(MilterMacroNames.of(names), namesToValues.values().toArray(new String[0]));
    }

    public MilterMacroNames names() {
        return names;
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.name(index);
    }

    /** The value at {@code index}, or null when it is not known. */
    public String value(int index) {
        return values[index];
    }

    /** True when no value is known, so there is nothing to send. */
    public boolean isEmpty() {
        for (String value : values) {
            if (value != null) {
                return false;
            }
        }
        return true;
    }

    /** The known macros as an ordered map (for logs and tests). */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                map.put(names.name(i), values[i]);
            }
        }
        return map;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MilterMacros that && toMap().equals(that.toMap());
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    @Override
    public String toString() {
        return toMap().toString();
    }

    /** Package-private raw access for the encoder. */
    String[] values() {
        return values;
    }

    static MilterMacros decoded(List<String> names, List<String> values) {
        return names.isEmpty() ? EMPTY : new MilterMacros(MilterMacroNames.of(names), values.toArray(new String[0]));
    }
}
