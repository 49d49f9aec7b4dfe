package org.pmult.server.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterClientState;
import org.pmult.server.config.ClientConnections;
import org.pmult.server.metrics.ClientMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * One milter's connections that are not serving a session: spares opened and negotiated ahead of
 * need, and (with reuse) connections a finished session handed back after SMFIC_QUIT_NC. Each
 * event loop has its own idle list, touched only on that loop, so a session takes a connection
 * without locks or thread hand-offs and keeps running where its MeTA1 connection runs.
 *
 * <p>A connection is handed out only while it is connecting, negotiating or ready; one the milter
 * closed meanwhile, or idle for longer than the idle timeout, is dropped and replaced by a new one.
 * A spare is replaced when a session takes it, not when it expires, so an idle pmult holds no
 * milter connections once the idle timeout has passed.
 */
final class MilterConnectionPool {

    private static final Logger LOG = LoggerFactory.getLogger(MilterConnectionPool.class);
    /** How long the first kept connections must survive SMFIC_QUIT_NC before they serve a session. */
    static final Duration REUSE_PROBATION = Duration.ofMillis(200);

    /** Starts the wait after which a kept connection on probation is judged. */
    @FunctionalInterface
    interface ProbationTimer {
        /** {@link #REUSE_PROBATION} on the connection's event loop. */
        ProbationTimer AFTER_REUSE_PROBATION = (loop, judge) ->
                loop.schedule(judge, REUSE_PROBATION.toNanos(), TimeUnit.NANOSECONDS);

        /** Runs {@code judge} on {@code loop} once the probation is over. */
        void start(EventLoop loop, Runnable judge);
    }

    private final String clientName;
    private final ClientConnections config;
    private final ClientMeters meters;
    /** Opens a new connection on an event loop. */
    private final Function<EventLoop, MilterClientSession> connector;
    /** Whether spares may be opened now (not while the milter is down). */
    private final BooleanSupplier mayOpenSpares;
    private final ProbationTimer probationTimer;
    private final Map<EventLoop, LoopIdle> idle = new ConcurrentHashMap<>();
    private volatile boolean reuse;
    /** A kept connection outlived its probation: the milter takes SMFIC_QUIT_NC. */
    private volatile boolean reuseConfirmed;
    /**
     * Until then, one session at a time (all event loops together) tries SMFIC_QUIT_NC and the others
     * quit: a milter that refuses it (GNU mailfromd logs an error and hangs up) sees it once.
     */
    private final AtomicBoolean onTrial = new AtomicBoolean();
    private volatile boolean closed;

    MilterConnectionPool(String clientName, ClientConnections config, ClientMeters meters,
                         Function<EventLoop, MilterClientSession> connector, BooleanSupplier mayOpenSpares,
                         ProbationTimer probationTimer) {
        this.clientName = clientName;
        this.config = config;
        this.meters = meters;
        this.connector = connector;
        this.mayOpenSpares = mayOpenSpares;
        this.probationTimer = probationTimer;
        this.reuse = config.reuse();
    }

    /** A connection for a new session on {@code loop} (call on {@code loop}): an idle one if usable, else a new one. */
    MilterClientSession acquire(EventLoop loop) {
        if (!config.pooled()) {
            return connector.apply(loop);
        }
        LoopIdle entries = idle.computeIfAbsent(loop, LoopIdle::new);
        MilterClientSession session = entries.takeUsable();
        if (session == null) {
            session = connector.apply(loop);
        }
        entries.openSpares();
        return session;
    }

    /**
     * A session ended with {@code session} (call on its event loop): kept for the next session after
     * SMFIC_QUIT_NC when reuse is on and the session ended between transactions, else closed.
     */
    void release(MilterClientSession session) {
        LoopIdle entries = idle.computeIfAbsent(session.eventLoop(), LoopIdle::new);
        if (!reuse || closed || entries.isFull()) {
            session.close();
            return;
        }
        boolean trial = !reuseConfirmed;
        if (trial && !onTrial.compareAndSet(false, true)) {
            session.close(); // another connection is proving SMFIC_QUIT_NC right now
            return;
        }
        session.recycle().addListener(kept -> {
            if (!kept.isSuccess() || !Boolean.TRUE.equals(kept.getNow())) {
                if (trial) {
                    onTrial.set(false); // ended with QUIT (not where QUIT_NC is taken): the next session tries
                }
                return;
            }
            if (reuseConfirmed) {
                entries.offer(session, true);
            } else {
                entries.probation(session);
            }
        });
    }

    /** The milter hung up right after QUIT_NC: it cannot reuse connections, so stop asking it to. */
    void reuseRefused() {
        if (reuse && !closed) { // once closed, the hang-ups are pmult's own QUITs at shutdown or reload
            reuse = false;
            // reuse is on by default and found out this way, so this is news, not a fault
            LOG.info("milter \"{}\" closed the connection after SMFIC_QUIT_NC: it does not take connection reuse;"
                    + " one connection per session from now on, as Sendmail and Postfix do, until pmult restarts or"
                    + " this client's configuration changes (reuse-connections no; or connections.reuse = false,"
                    + " skips the one try)", clientName);
        }
    }

    /**
     * A kept connection did not answer CONNECT: the milter drops SMFIC_QUIT_NC where pmult expected
     * it to take it (libmilter's rule), so stop reusing its connections.
     */
    void keptConnectionUnanswered() {
        if (reuse) {
            reuse = false;
            LOG.warn("milter \"{}\" answered no CONNECT on a connection kept after SMFIC_QUIT_NC: it drops QUIT_NC"
                    + " where libmilter takes it; not reusing its connections until pmult restarts or this client's"
                    + " configuration changes (reuse-connections no; or connections.reuse = false, silences this)",
                    clientName);
        }
    }

    /** Connections idle on {@code loop} (call on {@code loop}). */
    int idleCount(EventLoop loop) {
        LoopIdle entries = idle.get(loop);
        return entries == null ? 0 : entries.entries.size();
    }

    /** Whether sessions end with SMFIC_QUIT_NC now. */
    boolean reuses() {
        return reuse;
    }

    /** Closes every idle connection (with SMFIC_QUIT); later releases close theirs. */
    void close() {
        closed = true;
        for (LoopIdle entries : idle.values()) {
            try {
                entries.loop.execute(entries::closeAll);
            } catch (RejectedExecutionException e) {
                // the event loop is shutting down and closes its channels itself
            }
        }
    }

    /** Idle connections of one event loop, in the order they became idle. Touched only on {@link #loop}. */
    private final class LoopIdle {
        private final EventLoop loop;
        private final ArrayDeque<Idle> entries = new ArrayDeque<>();
        private ScheduledFuture<?> sweep;

        LoopIdle(EventLoop loop) {
            this.loop = loop;
        }

        /** The most recently idle usable connection, dropping unusable ones on the way. */
        MilterClientSession takeUsable() {
            long now = System.nanoTime();
            Idle entry;
            while ((entry = entries.pollLast()) != null) {
                meters.idleConnections(-1);
                if (usable(entry.session) && !expired(entry, now)) {
                    if (entry.kept) {
                        meters.connectionReused();
                    }
                    return entry.session;
                }
                entry.session.close();
            }
            return null;
        }

        void openSpares() {
            while (!closed && entries.size() < config.spare() && mayOpenSpares.getAsBoolean()) {
                offer(connector.apply(loop), false);
            }
        }

        /** Kept connections still on probation: counted as idle so the list never overfills. */
        private final Set<MilterClientSession> onProbation = new HashSet<>();

        boolean isFull() {
            return entries.size() + onProbation.size() >= config.maxIdle();
        }

        /**
         * Until one kept connection has outlived SMFIC_QUIT_NC by {@link #REUSE_PROBATION}, kept
         * connections wait before serving again: a milter without QUIT_NC support hangs up right
         * after it, and no session should be handed a connection that is being closed.
         */
        void probation(MilterClientSession session) {
            onProbation.add(session);
            probationTimer.start(loop, () -> {
                if (!onProbation.remove(session)) {
                    onTrial.set(false);
                    return; // closed meanwhile
                }
                if (session.state() == MilterClientState.READY) {
                    reuseConfirmed = true;
                    offer(session, true);
                } else {
                    session.close();
                }
                onTrial.set(false);
            });
        }

        /** {@code session} becomes idle: a new spare, or ({@code kept}) one a session handed back. */
        void offer(MilterClientSession session, boolean kept) {
            if (closed || isFull()) {
                session.close();
                return;
            }
            entries.addLast(new Idle(session, System.nanoTime(), kept));
            meters.idleConnections(1);
            if (sweep == null) {
                scheduleSweep(config.idleTimeout().toNanos());
            }
        }

        private void scheduleSweep(long delayNanos) {
            sweep = loop.schedule(this::sweep, Math.max(delayNanos, 1), TimeUnit.NANOSECONDS);
        }

        /** Closes expired and dead connections; runs again at the next expiry while any remain. */
        private void sweep() {
            sweep = null;
            long now = System.nanoTime();
            for (Iterator<Idle> it = entries.iterator(); it.hasNext(); ) {
                Idle entry = it.next();
                if (!usable(entry.session) || expired(entry, now)) {
                    it.remove();
                    meters.idleConnections(-1);
                    entry.session.close();
                }
            }
            Idle oldest = entries.peekFirst();
            if (oldest != null && !closed) {
                scheduleSweep(oldest.sinceNanos + config.idleTimeout().toNanos() - now);
            }
        }

        void closeAll() {
            if (sweep != null) {
                sweep.cancel(false);
                sweep = null;
            }
            Idle entry;
            while ((entry = entries.pollFirst()) != null) {
                meters.idleConnections(-1);
                entry.session.close();
            }
            // with SMFIC_QUIT before the event loop closes them: a close without it would look like a
            // milter hanging up after SMFIC_QUIT_NC
            onProbation.forEach(MilterClientSession::close);
            onProbation.clear();
        }

        private boolean expired(Idle entry, long now) {
            return now - entry.sinceNanos >= config.idleTimeout().toNanos();
        }
    }

    /** Whether a session can still serve: connecting, negotiating or ready, not failed or closed. */
    private static boolean usable(MilterClientSession session) {
        MilterClientState state = session.state();
        return switch (state) {
            case NEW, CONNECTING, NEGOTIATING, READY -> true;
            case ENVELOPE, MESSAGE, SKIPPING_BODY, ACCEPT_MESSAGE, ACCEPT_CONNECTION, REJECT_CONNECTION, ERROR,
                 CLOSED -> false;
        };
    }

    private record Idle(MilterClientSession session, long sinceNanos, boolean kept) {
    }
}
