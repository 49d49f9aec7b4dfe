package org.pmult.server.config;

import java.time.Duration;

/**
 * Resource bounds on the MeTA1 side.
 *
 * @param maxConnections           most concurrent MeTA1 connections; more are refused (default 64)
 * @param maxSessionsPerConnection most concurrent SMTP sessions on one MeTA1 connection; a CONNECT
 *                                 beyond it is answered TEMPFAIL (default 10000)
 * @param advertisedMaxSessions    the MAXSESS pmult announces in pmilter negotiation; configured 0
 *                                 means "same as maxSessionsPerConnection", which is what this holds then
 * @param maxFrameLength           largest pmilter message accepted, in bytes (default 1 MiB, the
 *                                 profile's default; at least {@link #MIN_FRAME_LENGTH})
 * @param idleTimeout              a MeTA1 connection on which nothing arrives for this long is closed;
 *                                 zero disables (default 15 minutes, above RFC 5321's longest SMTP
 *                                 command timeout of 10 minutes, so a slow but live session is never cut)
 */
public record Limits(
        int maxConnections,
        int maxSessionsPerConnection,
        int advertisedMaxSessions,
        int maxFrameLength,
        Duration idleTimeout) {

    /**
     * Smallest useful frame limit: a MSG carrying a full 65,536-byte chunk is 65,640 bytes after the
     * length prefix (PROT 12 + CMD 12 + SEID up to 72 + CHUNK header 8 + 65,536).
     */
    public static final int MIN_FRAME_LENGTH = 65_640;
    /** Largest frame limit accepted. */
    public static final int MAX_FRAME_LENGTH = 64 << 20;

    public static final Limits DEFAULTS = new Limits(64, 10_000, 10_000, 1 << 20, Duration.ofMinutes(15));

    public Limits {
        requireRange("max-connections", maxConnections, 1, 100_000);
        requireRange("max-sessions-per-connection", maxSessionsPerConnection, 1, 1_000_000);
        if (advertisedMaxSessions == 0) {
            advertisedMaxSessions = maxSessionsPerConnection;
        }
        requireRange("advertised-max-sessions", advertisedMaxSessions, 1, maxSessionsPerConnection);
        requireRange("max-frame-length", maxFrameLength, MIN_FRAME_LENGTH, MAX_FRAME_LENGTH);
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.compareTo(Duration.ofDays(7)) > 0) {
            throw new InvalidFieldException("idle-timeout", (idleTimeout == null ? "null" : Intervals.format(idleTimeout))
                    + " (expected: 0 (off) .. 7 days)");
        }
    }

    /** Whether idle MeTA1 connections are closed at all. */
    public boolean idleTimeoutEnabled() {
        return !idleTimeout.isZero();
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidFieldException(name, value + " (expected: " + min + ".." + max + ")");
        }
    }
}
