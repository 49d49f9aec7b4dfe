package org.pmult.server.config;

import java.time.Duration;

/**
 * How pmult manages its connections to one milter. By default a session's connection serves the
 * next session after SMFIC_QUIT_NC where the milter takes it (found out by trying), else every SMTP
 * session gets a connection of its own, as an MTA's own Milter client does; pmult keeps one
 * connection per event loop opened and negotiated ahead of need, so a session's CONNECT never waits
 * for the TCP connect, the milter's accept (mailfromd forks there) and the option negotiation.
 *
 * @param spare       connections kept open and negotiated ahead of need, per event loop (0 = open
 *                    each connection when its session starts)
 * @param reuse       end each SMTP session with SMFIC_QUIT_NC and keep the connection for the next
 *                    session (Milter v6 filters built on libmilter 8.14 or later, rspamd; GNU
 *                    mailfromd 8.15 hangs up on QUIT_NC, and pmult then stops reusing its connections
 *                    by itself); on by default
 * @param maxIdle     most idle connections (spare or kept) held per event loop
 * @param idleTimeout an idle connection is closed with SMFIC_QUIT after this long (and a fresh spare
 *                    opened next time one is needed), so none outlives a milter's own idle timeout
 * @param maxPendingConnects most connections to the milter connecting or negotiating at once, across
 *                    all event loops; further ones wait their turn within the connect timeout, so pmult
 *                    never overflows the milter's listen backlog by itself (default 8: GNU mailfromd's
 *                    listen backlog, as {@code ss -xl} shows for its socket)
 */
public record ClientConnections(int spare, boolean reuse, int maxIdle, Duration idleTimeout, int maxPendingConnects) {

    /** Most idle connections per event loop accepted: far more than any busy event loop needs. */
    public static final int MAX_IDLE_LIMIT = 1024;

    /** Most pending connects accepted: a listen backlog larger than this is rare (Linux caps it at somaxconn). */
    public static final int MAX_PENDING_CONNECTS_LIMIT = 4096;

    /** GNU mailfromd 8.15's listen backlog when its configuration sets none. */
    public static final int DEFAULT_MAX_PENDING_CONNECTS = 8;

    /**
     * Idle connections kept per event loop by default: enough that sessions ending and starting in
     * bursts (100 sessions on one MeTA1 connection) find kept connections instead of connecting, which
     * with 16 still happened for about one session in eight (issue 18).
     */
    public static final int DEFAULT_MAX_IDLE = 64;

    public static final ClientConnections DEFAULTS = new ClientConnections(1, true, DEFAULT_MAX_IDLE, Duration.ofSeconds(30),
            DEFAULT_MAX_PENDING_CONNECTS);

    public ClientConnections {
        if (maxIdle < 0 || maxIdle > MAX_IDLE_LIMIT) {
            throw new InvalidFieldException("max-idle", maxIdle + " (expected: 0.." + MAX_IDLE_LIMIT + ")");
        }
        if (spare < 0 || spare > maxIdle) {
            throw new InvalidFieldException("spare", spare + " (expected: 0.." + maxIdle
                    + ", the most idle connections per event loop)", "max-idle", maxIdle
                    + " (expected: at least the spare connections per event loop, " + spare + ")");
        }
        ClientTimeouts.requirePositive("idle-timeout", idleTimeout);
        if (maxPendingConnects < 1 || maxPendingConnects > MAX_PENDING_CONNECTS_LIMIT) {
            throw new InvalidFieldException("max-pending-connects", maxPendingConnects + " (expected: 1.."
                    + MAX_PENDING_CONNECTS_LIMIT + ")");
        }
    }

    /** With the default {@code maxPendingConnects}. */
    public ClientConnections(int spare, boolean reuse, int maxIdle, Duration idleTimeout) {
        this(spare, reuse, maxIdle, idleTimeout, DEFAULT_MAX_PENDING_CONNECTS);
    }

    /** Whether any connection outlives its session or is opened before one (false: one per session, as before). */
    public boolean pooled() {
        return spare > 0 || reuse;
    }
}
