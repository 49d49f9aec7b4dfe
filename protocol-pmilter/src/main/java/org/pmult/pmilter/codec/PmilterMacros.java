package org.pmult.pmilter.codec;

import java.util.Arrays;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.Macro;

/**
 * The macro values one request carries (MACID/MACVAL pairs), in wire order. Compact and immutable:
 * parallel id and value arrays, so a consumer maps each id to a slot with an array index and never a
 * string lookup. Ids this profile does not know are kept, for forward compatibility.
 */
public final class PmilterMacros {

    /** A request without macros. */
    public static final PmilterMacros EMPTY = new PmilterMacros(new int[0], new String[0]);

    private final int[] ids;
    private final String[] values;

    private PmilterMacros(int[] ids, String[] values) {
        this.ids = ids;
        this.values = values;
    }

    /** Macros from parallel arrays (copied); at most {@link PmilterCodes#MAX_MACROS_PER_STAGE}. */
    public static PmilterMacros of(int[] ids, String[] values) {
        if (ids.length != values.length) {
            throw new IllegalArgumentException("macro ids: " + ids.length + " but values: " + values.length);
        }
        if (ids.length > PmilterCodes.MAX_MACROS_PER_STAGE) {
            throw new IllegalArgumentException(
                    "macros: " + ids.length + " (expected: <= " + PmilterCodes.MAX_MACROS_PER_STAGE + ")");
        }
        return ids.length == 0 ? EMPTY : checked(ids.clone(), values.clone());
    }

    /** Checks each id and value and keeps the arrays, which the caller must not share. */
    private static PmilterMacros checked(int[] ids, String[] values) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("macro id: " + Integer.toUnsignedString(ids[i])
                        + " (expected: <= " + Integer.MAX_VALUE + ")");
            }
            Objects.requireNonNull(values[i], "value of macro " + ids[i]);
        }
        return new PmilterMacros(ids, values);
    }

    /** One macro. */
    public static PmilterMacros of(Macro macro, String value) {
        return builder().add(macro, value).build();
    }

    /** Two macros, in this order. */
    public static PmilterMacros of(Macro macro1, String value1, Macro macro2, String value2) {
        return builder().add(macro1, value1).add(macro2, value2).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int size() {
        return ids.length;
    }

    public boolean isEmpty() {
        return ids.length == 0;
    }

    /** The MACID of the i-th macro (possibly one this profile does not know). */
    public int id(int i) {
        return ids[i];
    }

    /** The i-th macro, or {@code null} if its id is unknown to this profile. */
    public Macro macro(int i) {
        return Macro.fromId(ids[i]);
    }

    /** The value of the i-th macro. */
    public String value(int i) {
        return values[i];
    }

    /** The value of the first macro with this id, or {@code null}. A linear scan: there are at most eight. */
    public String valueOf(int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return values[i];
            }
        }
        return null;
    }

    /** The value of the first entry for this macro, or {@code null}. */
    public String valueOf(Macro macro) {
        return valueOf(macro.id());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PmilterMacros that
                && Arrays.equals(ids, that.ids) && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(values);
    }

    /** {@code {TAID=T1, 99=x}}: names for known ids, numbers for unknown ones. Values may be personal data; log at DEBUG. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < ids.length; i++) {
            Macro macro = macro(i);
            out.append(i == 0 ? "" : ", ").append(macro == null ? Integer.toString(ids[i]) : macro.name())
                    .append('=').append(values[i]);
        }
        return out.append('}').toString();
    }

    /** Collects macros in wire order. */
    public static final class Builder {
        private int[] ids = new int[PmilterCodes.MAX_MACROS_PER_STAGE];
        private String[] values = new String[PmilterCodes.MAX_MACROS_PER_STAGE];
        private int size;

        private Builder() {
        }

        public Builder add(Macro macro, String value) {
            return add(macro.id(), value);
        }

        /** Adds a macro by raw id (kept even if unknown to this profile). */
        public Builder add(int id, String value) {
            if (size == PmilterCodes.MAX_MACROS_PER_STAGE) {
                throw new IllegalArgumentException("macros: " + (size + 1)
                        + " (expected: <= " + PmilterCodes.MAX_MACROS_PER_STAGE + ")");
            }
            ids[size] = id;
            values[size] = Objects.requireNonNull(value, "value");
            size++;
            return this;
        }

        public int size() {
            return size;
        }

        public PmilterMacros build() {
            // The copies are the new instance's own arrays: no second copy as in of().
            return size == 0 ? EMPTY : checked(Arrays.copyOf(ids, size), Arrays.copyOf(values, size));
        }
    }
}
