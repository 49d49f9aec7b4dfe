package org.pmult.server.metrics;

import java.util.List;
import java.util.Objects;

/**
 * What {@code GET /ready} asks: the state of everything pmult needs to filter mail, normally one
 * {@link Status} per configured Milter client ("reachable and negotiated"). Called on the metrics
 * HTTP thread for every request, so it must be thread-safe and must not block: return state that
 * the event loops already keep (a volatile field per client), never probe a socket here.
 */
@FunctionalInterface
public interface ReadinessCheck {

    /** The current status of each dependency; pmult is ready when every one that counts is ready (or there are none). */
    List<Status> statuses();

    /**
     * One dependency's state.
     *
     * @param name   what it is, e.g. the client name {@code mfd}
     * @param ready  whether it is usable now
     * @param detail why not, or what it is when ready (e.g. {@code "connect to unix:/run/mfd.sock refused"},
     *               {@code "negotiated Milter v6"}); one line
     * @param counts whether it decides readiness (false for a line shown for information only)
     */
    record Status(String name, boolean ready, String detail, boolean counts) {
        public Status {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(detail, "detail");
        }

        /** A status that decides readiness. */
        public Status(String name, boolean ready, String detail) {
            this(name, ready, detail, true);
        }

        /**
         * A line shown on {@code /ready} that does not decide it, e.g. one instance of a client with
         * several (the client's own line decides).
         */
        public static Status informational(String name, boolean ready, String detail) {
            return new Status(name, ready, detail, false);
        }

        public static Status ready(String name, String detail) {
            return new Status(name, true, detail);
        }

        public static Status notReady(String name, String detail) {
            return new Status(name, false, detail);
        }
    }
}
