package org.pmult.milter.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An immutable, ordered list of macro names with each name already encoded as the bytes the
 * {@code D} packet carries (UTF-8 plus the NUL). Built once — from configuration or from the
 * filter's SETSYMLIST — so sending macros on the hot path costs no lookups and no name encoding;
 * the values travel separately in {@link MilterMacros}, index by index.
 */
public final class MilterMacroNames {

    /** No macros. */
    public static final MilterMacroNames EMPTY = new MilterMacroNames(List.of());

    /** Separator in a SETSYMLIST list; compiled once, as String.split would compile it per list. */
    private static final Pattern SPACES = Pattern.compile(" +");

    private final List<String> names;
    private final byte[][] encoded;

    private MilterMacroNames(List<String> names) {
        this.names = names;
        this.encoded = new byte[names.size()][];
        for (int i = 0; i < encoded.length; i++) {
            byte[] bytes = names.get(i).getBytes(StandardCharsets.UTF_8);
            encoded[i] = Arrays.copyOf(bytes, bytes.length + 1);
        }
    }

    /** Names in the order their values will be given, spelled as the filter expects ({@code j}, {@code {client_addr}}). */
    public static MilterMacroNames of(String... names) {
        return of(Arrays.asList(names));
    }

    /** Names in the order their values will be given. */
    public static MilterMacroNames of(List<String> names) {
        if (names.isEmpty()) {
            return EMPTY;
        }
        for (String name : names) {
            if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("macro name: \"" + name + "\" (expected: non-empty, without NUL)");
            }
        }
        return new MilterMacroNames(List.copyOf(names));
    }

    /** Parses a SETSYMLIST list: names separated by spaces, e.g. {@code "{client_addr} j"}. */
    public static MilterMacroNames parseList(String spaceSeparated) {
        String trimmed = spaceSeparated.trim();
        return trimmed.isEmpty() ? EMPTY : of(SPACES.split(trimmed));
    }

    /**
     * The name without Sendmail's braces: {@code {client_addr}} gives {@code client_addr}, {@code i}
     * stays {@code i}. Filters spell long names in braces and one-letter names bare, but accept either.
     */
    public static String bareName(String name) {
        return name.length() > 2 && name.charAt(0) == '{' && name.charAt(name.length() - 1) == '}'
                ? name.substring(1, name.length() - 1) : name;
    }

    public int size() {
        return names.size();
    }

    public boolean isEmpty() {
        return names.isEmpty();
    }

    public String name(int index) {
        return names.get(index);
    }

    /** The names in order. */
    public List<String> names() {
        return names;
    }

    /** Index of {@code name} (exact spelling), or -1. */
    public int indexOf(String name) {
        return names.indexOf(name);
    }

    /** The names joined by spaces, as in a SETSYMLIST record. */
    public String toList() {
        return String.join(" ", names);
    }

    /** The encoded name including its NUL; shared, never modify it. */
    byte[] encodedName(int index) {
        return encoded[index];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MilterMacroNames that && names.equals(that.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return names.toString();
    }
}
