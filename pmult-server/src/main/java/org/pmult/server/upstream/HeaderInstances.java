package org.pmult.server.upstream;

import java.util.ArrayList;
import java.util.List;

/**
 * Which header fields the current message showed one milter, so that a CHGHEADER for an instance
 * that does not exist can be given Sendmail's meaning — add the header — before it reaches smtps.
 * Recorded as the headers are passed to the milter; reset per message. The names are only kept,
 * and counted (case-insensitively) when a CHGHEADER asks, because nearly no message gets one: a
 * map of counts paid a lower-cased copy and a boxed count for every header of every message.
 * Touched only on the session's event loop.
 */
final class HeaderInstances {

    private final List<String> names = new ArrayList<>();

    /** A header field of this name went to the milter. */
    void seen(String name) {
        names.add(name);
    }

    /** A new message starts. */
    void reset() {
        names.clear();
    }

    /** A copy to record the milter's own additions into while its changes are translated. */
    HeaderInstances copy() {
        HeaderInstances copy = new HeaderInstances();
        copy.names.addAll(names);
        return copy;
    }

    /** Whether the {@code index}-th (1-based) field called {@code name} exists. */
    boolean exists(String name, int index) {
        if (index < 1) {
            return false;
        }
        int found = 0;
        for (String seen : names) {
            if (seen.equalsIgnoreCase(name) && ++found == index) {
                return true;
            }
        }
        return false;
    }
}
