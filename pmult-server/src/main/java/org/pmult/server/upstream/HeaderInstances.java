package org.pmult.server.upstream;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How many fields of each name (case-insensitive) the current message showed one milter, so that a
 * CHGHEADER for an instance that does not exist can be given Sendmail's meaning — add the header —
 * before it reaches smtps. Counted as the headers are passed to the milter; reset per message.
 * Touched only on the session's event loop.
 */
final class HeaderInstances {

    private final Map<String, Integer> counts = new HashMap<>();

    /** A header field of this name went to the milter. */
    void seen(String name) {
        counts.merge(key(name), 1, Integer::sum);
    }

    /** A new message starts. */
    void reset() {
        counts.clear();
    }

    /** A copy to count the milter's own additions into while its changes are translated. */
    HeaderInstances copy() {
        HeaderInstances copy = new HeaderInstances();
        copy.counts.putAll(counts);
        return copy;
    }

    /** Whether the {@code index}-th (1-based) field called {@code name} exists. */
    boolean exists(String name, int index) {
        return index >= 1 && index <= counts.getOrDefault(key(name), 0);
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
