package org.pmult.server.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.pmult.milter.client.BoundedConnectGate;
import org.pmult.milter.client.MilterClientObserver;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterFailure;
import org.pmult.milter.client.MilterStage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.client.NegotiatedOptions;
import org.pmult.server.config.Backoff;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.metrics.ClientMeters;
import org.pmult.server.upstream.MilterClient.Health;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What pmult knows of one milter's availability — its {@link Health} with the reason, and what it
 * last negotiated — kept up to date by the outcome of every connection attempt ({@link MilterHealth}
 * decides when failures mean down), and the probes that find out: while connecting fails, a probe
 * connection (OPTNEG, then QUIT) is scheduled with backoff, so the milter is found down, and back,
 * without traffic. While it is down the connect gate is shut. Thread-safe.
 */
final class MilterAvailability {

    private static final Logger LOG = LoggerFactory.getLogger(MilterClient.class);

    private final ClientConfig config;
    private final MilterHealth tracker;
    private final BoundedConnectGate gate;
    private final EventLoopGroup probeGroup;
    private final Backoff backoff;
    private final ClientMeters meters;
    private final MilterEventMeters events;
    /** Opens a probe connection on an event loop. */
    private final Function<EventLoop, MilterClientSession> prober;
    private volatile Runnable onNeedsChanged = () -> { };
    private volatile Runnable onHealthChanged = () -> { };
    /** One instance of a client with several: while down, sessions go to the others (for the log). */
    private volatile boolean oneOfSeveral;

    private volatile Health health = Health.UNKNOWN;
    private volatile String healthDetail = "not probed yet";
    private volatile NegotiatedOptions options;
    private volatile boolean closed;
    // Probe scheduling: guarded by this.
    private ScheduledFuture<?> nextProbe;
    private Duration nextDelay;

    MilterAvailability(ClientConfig config, MilterHealth tracker, BoundedConnectGate gate, EventLoopGroup probeGroup,
                       Backoff backoff, ClientMeters meters, MilterEventMeters events,
                       Function<EventLoop, MilterClientSession> prober) {
        this.config = config;
        this.tracker = tracker;
        this.gate = gate;
        this.probeGroup = probeGroup;
        this.backoff = backoff;
        this.nextDelay = backoff.initial();
        this.meters = meters;
        this.events = events;
        this.prober = prober;
    }

    Health health() {
        return health;
    }

    String healthDetail() {
        return healthDetail;
    }

    /** What the milter last negotiated; null before the first negotiation. */
    NegotiatedOptions options() {
        return options;
    }

    /** Whether sessions and spares may connect: the milter is not down and the client not closed. */
    boolean admitsConnections() {
        return health != Health.DOWN && !closed;
    }

    void onNeedsChanged(Runnable listener) {
        this.onNeedsChanged = listener;
    }

    void asInstance(Runnable listener) {
        this.oneOfSeveral = true;
        this.onHealthChanged = listener;
    }

    /** Reports a probe's events: success brings the milter up, any failure counts as a failed attempt. */
    MilterClientObserver probeObserver() {
        return new ProbeObserver();
    }

    /** A connection negotiated {@code negotiated}: the milter is up. */
    void negotiated(NegotiatedOptions negotiated) {
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
            LOG.info("milter \"{}\" ({}) is back: {}", config.name(), config.url(), negotiated);
        } else if (change == MilterHealth.Change.FIRST_UP) {
            LOG.info("milter \"{}\" ({}): {}", config.name(), config.url(), negotiated);
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
    void attemptFailed(String reason) {
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
            gate.shut("milter \"" + config.name() + "\" is down (" + reason + ")");
            LOG.warn("milter \"{}\" ({}) is down: every connection attempt has failed for {} ({}); {} until it is back",
                    config.name(), config.url(), tracker.downAfterText(), reason,
                    (oneOfSeveral ? "new sessions go to the client's other instances, or get default action "
                            : "sessions get default action ") + config.defaultAction().configName());
        }
        scheduleProbe();
        onHealthChanged.run();
    }

    /** Connects once to learn the milter's options; completes when the probe has an outcome (never fails). */
    CompletionStage<Health> probe() {
        CompletableFuture<Health> outcome = new CompletableFuture<>();
        if (closed) {
            outcome.complete(health);
            return outcome;
        }
        MilterClientSession probe = prober.apply(probeGroup.next());
        probe.negotiation().addListener(done -> {
            probe.close();
            outcome.complete(health);
        });
        return outcome;
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

    /** No more probes. */
    void close() {
        closed = true;
        synchronized (this) {
            if (nextProbe != null) {
                nextProbe.cancel(false);
            }
        }
    }

    /**
     * A probe's events: success brings the client up; any failure, a timeout included, counts as a
     * failed attempt and schedules the next probe. No default action is counted, since no session
     * was answered in the milter's place.
     */
    private final class ProbeObserver implements MilterClientObserver {

        @Override
        public void onNegotiated(NegotiatedOptions negotiated) {
            MilterAvailability.this.negotiated(negotiated);
        }

        @Override
        public void onReply(MilterStage stage, MilterVerdict verdict, long latencyNanos) {
            events.replied(stage, latencyNanos);
        }

        @Override
        public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
            events.failed(stage, kind);
            attemptFailed(message);
        }
    }
}
