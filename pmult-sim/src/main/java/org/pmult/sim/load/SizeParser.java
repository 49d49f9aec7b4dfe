package org.pmult.sim.load;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes on the command line: {@code 10240}, {@code 10K}, {@code 10KiB}, {@code 1M} (K = 1024). */
final class SizeParser {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(?:([KkMm])(?:i?[Bb])?|[Bb])?");

    private SizeParser() {
    }

    /** @throws IllegalArgumentException e.g. {@code size "10X": not a size (expected: e.g. 10240, 10K, 1M)} */
    static int parse(String text) {
        Matcher matcher = SIZE.matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("size \"" + text + "\": not a size (expected: e.g. 10240, 10K, 1M)");
        }
        long bytes = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2);
        if (unit != null) {
            bytes *= unit.equalsIgnoreCase("K") ? 1024 : 1024 * 1024;
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size \"" + text + "\": " + bytes + " bytes (expected: <= "
                    + Integer.MAX_VALUE + ")");
        }
        return (int) bytes;
    }
}
