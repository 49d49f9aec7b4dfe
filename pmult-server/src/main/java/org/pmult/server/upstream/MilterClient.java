package org.pmult.server.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.pmult.milter.client.BoundedConnectGate;
import org.pmult.milter.client.ConnectBackoff;
import org.pmult.milter.client.ConnectGate;
import org.pmult.milter.client.DefaultAction;
import org.pmult.milter.client.MilterClientObserver;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterClientSettings;
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
import org.pmult.server.metrics.ByteCountingHandler;
import org.pmult.server.metrics.FailureKind;
import org.pmult.server.metrics.MetricAction;
import org.pmult.server.metrics.MetricStage;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.metrics.TrafficSide;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One configured milter: its Milter settings, whether it is up ({@link MilterHealth}), what it
 * negotiated (and so which macros it needs), and probing with backoff while its connections fail.
 * Connection attempts pass its {@link BoundedConnectGate}, so at most {@code max-pending-connects}
 * are in flight, and a transient failure is tried again within the connect timeout. While down,
 * sessions get the client's default action at once instead of each waiting for a connect timeout;
 * a probe connection (OPTNEG, then QUIT) brings it back. Thread-safe: sessions on every event loop
 * share it.
 */
public final class MilterClient {

    private static final Logger LOG = LoggerFactory.getLogger(MilterClient.class);
    private static final MetricStage[] METRIC_STAGES = new MetricStage[MilterStage.values().length];

    static {
        for (MilterStage stage : MilterStage.values()) {
            METRIC_STAGES[stage.ordinal()] = MetricStage.valueOf(stage.name());
        }
    }

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
    private final Transports transport;
    private final EventLoopGroup probeGroup;
    private final Backoff backoff;
    private final PmultMetrics.ClientMeters meters;
    private final SocketAddress address;
    /** Counts every Milter connection's bytes as {@code side="milter"} traffic. */
    private final ByteCountingHandler byteCounter;
    private final MilterClientSettings settings;
    /** As {@link #settings}, but reporting to {@link ProbeObserver}: a probe serves no session. */
    private final MilterClientSettings probeSettings;
    private final LegVerdict downVerdict;
    private final MetricAction defaultMetricAction;
    private final MilterConnectionPool pool;
    private volatile Runnable onNeedsChanged = () -> { };
    private volatile Runnable onHealthChanged = () -> { };
    /** One instance of a client with several: while down, sessions go to the others (for the log). */
    private volatile boolean oneOfSeveral;
    /** Admits connection attempts for sessions and spares; shut while the milter is down. */
    private final BoundedConnectGate gate;
    private final MilterHealth tracker;

    private volatile Health health = Health.UNKNOWN;
    private volatile String healthDetail = "not probed yet";
    private volatile NegotiatedOptions options;
    private volatile boolean closed;
    // Probe scheduling: guarded by this.
    private ScheduledFuture<?> nextProbe;
    private Duration nextDelay;

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
        this.tracker = tracker;
        this.config = config;
        this.defaultMacros = defaultMacros;
        this.transport = transport;
        this.probeGroup = probeGroup;
        this.backoff = backoff;
        this.nextDelay = backoff.initial();
        this.meters = metrics.forClient(config.name());
        this.address = transport.nettyAddress(config.url().toSocketAddress());
        this.byteCounter = metrics.byteCounter(TrafficSide.MILTER);
        DefaultAction action = DefaultAction.byConfigName(config.defaultAction().configName());
        this.gate = new BoundedConnectGate(config.connections().maxPendingConnects());
        this.settings = MilterClientSettings.builder(config.name())
                .connectTimeout(config.timeouts().connect())
                .readTimeout(config.timeouts().read())
                .writeTimeout(config.timeouts().write())
                .eomTimeout(config.timeouts().eom())
                .maxFrameLength(maxFrameLength)
                .defaultAction(action)
                .observer(new Observer())
                .connectGate(gate)
                .connectBackoff(tracker.retriesAttempts() ? ConnectBackoff.DEFAULT : ConnectBackoff.NONE)
                .build();
        // a probe is one attempt, outside the gate: it must get through while the gate is shut
        this.probeSettings = settings.toBuilder().observer(new ProbeObserver())
                .connectGate(ConnectGate.UNLIMITED).connectBackoff(ConnectBackoff.NONE).build();
        this.defaultMetricAction = MetricAction.valueOf(action.name());
        this.pool = new MilterConnectionPool(config.name(), config.connections(), meters, this::openNew,
                () -> health != Health.DOWN && !closed);
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
        return health;
    }

    /** Why the client is in its current health, for /ready and logs. */
    public String healthDetail() {
        return healthDetail;
    }

    void onNeedsChanged(Runnable listener) {
        this.onNeedsChanged = listener;
    }

    /**
     * This is one instance of a client with several; {@code listener} runs after every health report
     * (up or down), on the reporting thread.
     */
    void asInstance(Runnable listener) {
        this.oneOfSeveral = true;
        this.onHealthChanged = listener;
    }

    /**
     * What this milter needs for the macro plan: its SETSYMLIST lists when it sent some, else the
     * configured defaults.
     */
    public MacroPlan.ClientNeeds needs() {
        NegotiatedOptions negotiated = options;
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
        if (health == Health.DOWN) {
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
        return MilterClientSession.open(bootstrap(loop), address, settings);
    }

    /** What a session gets, without trying, while the client is down. */
    LegVerdict downVerdict() {
        return downVerdict;
    }

    /** Connects once to learn the milter's options; completes when the probe has an outcome (never fails). */
    CompletionStage<Health> probe() {
        CompletableFuture<Health> outcome = new CompletableFuture<>();
        if (closed) {
            outcome.complete(health);
            return outcome;
        }
        EventLoop loop = probeGroup.next();
        MilterClientSession probe = MilterClientSession.open(bootstrap(loop), address, probeSettings);
        probe.negotiation().addListener(done -> {
            probe.close();
            outcome.complete(health);
        });
        return outcome;
    }

    /**
     * A bootstrap for one connection to the milter on {@code loop}. The session installs its own
     * pipeline, so the byte counter goes in as each channel is created, ahead of everything else.
     */
    private Bootstrap bootstrap(EventLoop loop) {
        io.netty.bootstrap.ChannelFactory<? extends Channel> plain =
                transport.clientBootstrap(loop, address).config().channelFactory();
        return new Bootstrap().group(loop).channelFactory((ChannelFactory<Channel>) () -> {
            Channel channel = plain.newChannel();
            channel.pipeline().addFirst("bytes", byteCounter);
            return channel;
        });
    }

    void close() {
        closed = true;
        pool.close();
        synchronized (this) {
            if (nextProbe != null) {
                nextProbe.cancel(false);
            }
        }
    }

    /** Stops recording into this client's meters (it was removed by a reload). */
    void closeMeters() {
        meters.close();
    }

    private void markUp(NegotiatedOptions negotiated) {
        NegotiatedOptions previous = options;
        options = negotiated;
        meters.negotiatedVersion(negotiated.version());
        MilterHealth.Change change;
        synchronized (this) {
            change = tracker.negotiated();
            health = Health.UP;
            healthDetail = "negotiated Milter v" + negotiated.version();
            nextDelay = backoff.initial();
            if (nextProbe != null) {
                nextProbe.cancel(false);
                nextProbe = null;
            }
        }
        meters.up(true);
        if (change == MilterHealth.Change.BACK_UP) {
            gate.open();
            meters.reconnect();
            LOG.info("milter \"{}\" ({}) is back: {}", name(), config.url(), negotiated);
        } else if (change == MilterHealth.Change.FIRST_UP) {
            LOG.info("milter \"{}\" ({}): {}", name(), config.url(), negotiated);
        }
        if (previous == null || !previous.requestedMacros().equals(negotiated.requestedMacros())) {
            onNeedsChanged.run();
        }
        onHealthChanged.run();
    }

    /**
     * A connection attempt failed: down once {@link MilterHealth}'s rule says connecting keeps
     * failing, and probed meanwhile so the rule is decided (and recovery seen) without traffic.
     */
    private void attemptFailed(String reason) {
        MilterHealth.Change change;
        synchronized (this) {
            change = tracker.attemptFailed(System.nanoTime());
            if (health != Health.UP) {
                healthDetail = reason;
            }
            if (change == MilterHealth.Change.WENT_DOWN) {
                health = Health.DOWN;
                healthDetail = reason;
            }
        }
        if (change == MilterHealth.Change.WENT_DOWN) {
            meters.up(false);
            gate.shut("milter \"" + name() + "\" is down (" + reason + ")");
            LOG.warn("milter \"{}\" ({}) is down: every connection attempt has failed for {} ({}); {} until it is back",
                    name(), config.url(), tracker.downAfterText(), reason,
                    (oneOfSeveral ? "new sessions go to the client's other instances, or get default action "
                            : "sessions get default action ") + config.defaultAction().configName());
        }
        scheduleProbe();
        onHealthChanged.run();
    }

    private synchronized void scheduleProbe() {
        if (closed || (nextProbe != null && !nextProbe.isDone()) || !tracker.failing()) {
            return;
        }
        Duration delay = nextDelay;
        nextDelay = backoff.next(nextDelay);
        nextProbe = probeGroup.next().schedule(this::runScheduledProbe, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The delay before the next probe (for tests of the backoff). */
    synchronized Duration nextProbeDelay() {
        return nextDelay;
    }

    /**
     * The scheduled probe stops counting as pending before it starts: its failure may be reported on
     * another event loop while this task is still running, and must be able to schedule the next one.
     */
    private void runScheduledProbe() {
        synchronized (this) {
            nextProbe = null;
        }
        probe();
    }

    /** Turns session events into health, metrics and reconnects. Called on session event loops. */
    private final class Observer implements MilterClientObserver {

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
            markUp(negotiated);
        }

        @Override
        public void onReply(MilterStage stage, MilterVerdict verdict, long latencyNanos) {
            recordLatency(stage, latencyNanos);
        }

        @Override
        public void onConnectAttemptFailed(String message, boolean retrying) {
            if (retrying) {
                meters.connectRetry();
            }
            attemptFailed(message);
        }

        @Override
        public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
            // the default action is counted by the session leg that applies it: a spare has none;
            // failed connection attempts were reported one by one above
            countFailure(stage, kind);
        }
    }

    /**
     * A reconnect probe's events: success brings the client up; any failure, a timeout included,
     * counts as a failed attempt and schedules the next probe. No default action is counted, since
     * no session was answered in the milter's place.
     */
    private final class ProbeObserver implements MilterClientObserver {

        @Override
        public void onNegotiated(NegotiatedOptions negotiated) {
            markUp(negotiated);
        }

        @Override
        public void onReply(MilterStage stage, MilterVerdict verdict, long latencyNanos) {
            recordLatency(stage, latencyNanos);
        }

        @Override
        public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
            countFailure(stage, kind);
            attemptFailed(message);
        }
    }

    private void recordLatency(MilterStage stage, long latencyNanos) {
        MetricStage metricStage = METRIC_STAGES[stage.ordinal()];
        if (metricStage.milterReplies()) {
            meters.latency(metricStage, latencyNanos);
        }
    }

    private void countFailure(MilterStage stage, MilterFailure.Kind kind) {
        MetricStage metricStage = METRIC_STAGES[stage.ordinal()];
        switch (kind) {
            case TIMEOUT -> {
                if (metricStage.milterReplies()) {
                    meters.timeout(metricStage);
                } else {
                    meters.failure(FailureKind.CLOSED);
                }
            }
            case CONNECT -> meters.failure(FailureKind.CONNECT);
            case CLOSED -> meters.failure(FailureKind.CLOSED);
            case PROTOCOL -> meters.failure(FailureKind.PROTOCOL);
        }
    }
}
