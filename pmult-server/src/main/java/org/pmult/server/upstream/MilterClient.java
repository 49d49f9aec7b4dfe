package org.pmult.server.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.pmult.milter.client.BoundedConnectGate;
import org.pmult.milter.client.DefaultAction;
import org.pmult.milter.client.MilterClientObserver;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterFailure;
import org.pmult.milter.client.MilterStage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.client.NegotiatedOptions;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.server.config.Backoff;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.MacroStage;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.macro.Stages;
import org.pmult.server.metrics.ClientMeters;
import org.pmult.server.metrics.MetricAction;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.metrics.TrafficSide;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.transport.Transports;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One configured milter: what it negotiated (and so which macros it needs) and the connections
 * sessions get to it. Its parts: {@link MilterAvailability} (whether it is up, probing with backoff
 * while its connections fail), {@link MilterConnector} (opening connections with its settings) and
 * {@link MilterConnectionPool} (spare and kept connections per event loop). Connection attempts pass
 * its {@link BoundedConnectGate}, so at most {@code max-pending-connects} are in flight, and a
 * transient failure is tried again within the connect timeout. While down, sessions get the
 * client's default action at once instead of each waiting for a connect timeout. Thread-safe:
 * sessions on every event loop share it.
 */
public final class MilterClient {

    /** What pmult knows of the milter's availability. */
    public enum Health {
        /** Not probed yet. */
        UNKNOWN,
        /** Negotiated successfully last time. */
        UP,
        /** Connecting kept failing ({@link MilterHealth}); probing with backoff. */
        DOWN
    }

    private final ClientConfig config;
    private final Map<MacroStage, List<String>> defaultMacros;
    private final ClientMeters meters;
    private final MilterEventMeters events;
    private final MilterAvailability availability;
    private final MilterConnector connector;
    private final MilterConnectionPool pool;
    private final LegVerdict downVerdict;
    private final MetricAction defaultMetricAction;

    /**
     * @param defaultMacros what to send when the milter does not list its macros (v2, or v6 without
     *                      SETSYMLIST): the client's own v2 set if it has one, else the global one
     */
    MilterClient(ClientConfig config, Map<MacroStage, List<String>> defaultMacros, Transports transport,
                 EventLoopGroup probeGroup, Backoff backoff, PmultMetrics metrics, int maxFrameLength) {
        this(config, defaultMacros, transport, probeGroup, backoff, metrics, maxFrameLength, new MilterHealth());
    }

    /** With its own health rule (tests that cannot wait {@link MilterHealth#DOWN_AFTER}). */
    MilterClient(ClientConfig config, Map<MacroStage, List<String>> defaultMacros, Transports transport,
                 EventLoopGroup probeGroup, Backoff backoff, PmultMetrics metrics, int maxFrameLength,
                 MilterHealth tracker) {
        this(config, defaultMacros, transport, probeGroup, backoff, metrics, maxFrameLength, tracker,
                MilterConnectionPool.ProbationTimer.AFTER_REUSE_PROBATION);
    }

    /** With its own health rule and reuse probation (tests that decide when a probation is over). */
    MilterClient(ClientConfig config, Map<MacroStage, List<String>> defaultMacros, Transports transport,
                 EventLoopGroup probeGroup, Backoff backoff, PmultMetrics metrics, int maxFrameLength,
                 MilterHealth tracker, MilterConnectionPool.ProbationTimer probationTimer) {
        this.config = config;
        this.defaultMacros = defaultMacros;
        this.meters = metrics.forClient(config.name());
        this.events = new MilterEventMeters(meters);
        DefaultAction action = config.defaultAction();
        BoundedConnectGate gate = new BoundedConnectGate(config.connections().maxPendingConnects());
        this.availability = new MilterAvailability(config, tracker, gate, probeGroup, backoff, meters, events,
                this::openProbe);
        this.connector = new MilterConnector(config, transport, metrics.byteCounter(TrafficSide.MILTER), maxFrameLength,
                action, gate, tracker.retriesAttempts(), new SessionObserver(), availability.probeObserver());
        this.defaultMetricAction = MetricAction.valueOf(action.name());
        this.pool = new MilterConnectionPool(config.name(), config.connections(), meters, this::openNew,
                availability::admitsConnections, probationTimer);
        this.downVerdict = VerdictTranslation.of(new MilterVerdict.DefaultActionApplied(action,
                new MilterFailure(MilterFailure.Kind.CONNECT, MilterStage.CONNECT, "milter is down")));
        meters.up(false);
    }

    public String name() {
        return config.name();
    }

    public ClientConfig config() {
        return config;
    }

    public Health health() {
        return availability.health();
    }

    /** Why the client is in its current health, for /ready and logs. */
    public String healthDetail() {
        return availability.healthDetail();
    }

    void onNeedsChanged(Runnable listener) {
        availability.onNeedsChanged(listener);
    }

    /**
     * This is one instance of a client with several; {@code listener} runs after every health report
     * (up or down), on the reporting thread.
     */
    void asInstance(Runnable listener) {
        availability.asInstance(listener);
    }

    /**
     * What this milter needs for the macro plan: its SETSYMLIST lists when it sent some, else the
     * configured defaults.
     */
    public MacroPlan.ClientNeeds needs() {
        NegotiatedOptions negotiated = availability.options();
        if (negotiated != null && !negotiated.requestedMacros().isEmpty()) {
            Map<MacroStage, List<String>> lists = new EnumMap<>(MacroStage.class);
            for (Map.Entry<MilterCodes.MacroStage, MilterMacroNames> list : negotiated.requestedMacros().entrySet()) {
                lists.put(Stages.of(list.getKey()), list.getValue().names());
            }
            return new MacroPlan.ClientNeeds(name(), lists, true);
        }
        return new MacroPlan.ClientNeeds(name(), defaultMacros, false);
    }

    /**
     * A Milter connection on {@code loop} for one SMTP session (a spare or kept one when the pool has
     * it, else a new one), or null while the client is down. Call on {@code loop}.
     */
    MilterClientSession open(EventLoop loop) {
        if (availability.health() == Health.DOWN) {
            return null;
        }
        return pool.acquire(loop);
    }

    /** The session using {@code session} ended: it is kept for the next session or closed. Call on its event loop. */
    void release(MilterClientSession session) {
        pool.release(session);
    }

    /** Connections idle on {@code loop}, spare or kept (call on {@code loop}; for diagnostics and tests). */
    int idleConnections(EventLoop loop) {
        return pool.idleCount(loop);
    }

    /** Whether sessions end with SMFIC_QUIT_NC: configured, and the milter has not refused it. */
    boolean reusesConnections() {
        return pool.reuses();
    }

    /** A session applied this client's default action, or got it because the client was down (once per session). */
    void countDefaultAction() {
        meters.defaultAction(defaultMetricAction);
    }

    /** The milter asked to quarantine a message, which got {@code outcome}. */
    void countQuarantine(QuarantineHandling.Outcome outcome) {
        meters.quarantine(outcome.tag());
    }

    /** A new connection on {@code loop}, never an idle one (a session whose idle connection died). */
    MilterClientSession openNew(EventLoop loop) {
        meters.connectionOpened();
        return connector.open(loop);
    }

    private MilterClientSession openProbe(EventLoop loop) {
        return connector.openProbe(loop);
    }

    /** What a session gets, without trying, while the client is down. */
    LegVerdict downVerdict() {
        return downVerdict;
    }

    /** Connects once to learn the milter's options; completes when the probe has an outcome (never fails). */
    CompletionStage<Health> probe() {
        return availability.probe();
    }

    /** The delay before the next probe (for tests of the backoff). */
    Duration nextProbeDelay() {
        return availability.nextProbeDelay();
    }

    void close() {
        availability.close();
        pool.close();
    }

    /** Stops recording into this client's meters (it was removed by a reload). */
    void closeMeters() {
        meters.close();
    }

    /** Turns session events into health, metrics and reconnects. Called on session event loops. */
    private final class SessionObserver implements MilterClientObserver {

        @Override
        public void onReuseRefused() {
            pool.reuseRefused();
        }

        @Override
        public void onKeptConnectionUnanswered() {
            pool.keptConnectionUnanswered();
        }

        @Override
        public void onNegotiated(NegotiatedOptions negotiated) {
            availability.negotiated(negotiated);
        }

        @Override
        public void onReply(MilterStage stage, MilterVerdict verdict, long latencyNanos) {
            events.replied(stage, latencyNanos);
        }

        @Override
        public void onConnectAttemptFailed(String message, boolean retrying) {
            if (retrying) {
                meters.connectRetry();
            }
            availability.attemptFailed(message);
        }

        @Override
        public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
            // the default action is counted by the session leg that applies it: a spare has none;
            // failed connection attempts were reported one by one above
            events.failed(stage, kind);
        }
    }
}
