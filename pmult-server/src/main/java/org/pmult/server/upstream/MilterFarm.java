package org.pmult.server.upstream;

import io.netty.channel.EventLoopGroup;
import org.pmult.server.config.Backoff;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.MacroStage;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.metrics.ClientMeters;
import org.pmult.server.metrics.InstanceMeters;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.metrics.ReadinessCheck;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One configured client: its instances (one {@link MilterClient} per URL, each with its own health,
 * probing, connections and default-action stand-in) and the {@link InstanceBalancer} that gives
 * new sessions to those that are up. The client is up while one instance is. With one URL this is
 * exactly that milter. Thread-safe.
 */
public final class MilterFarm {

    private static final Logger LOG = LoggerFactory.getLogger(MilterFarm.class);

    private final ClientConfig config;
    private final List<MilterClient> instances;
    private final List<InstanceMeters> instanceMeters;
    private final InstanceBalancer balancer;
    private final ClientMeters meters;

    /** The client {@code config} describes, with one new {@link MilterClient} per URL. */
    static MilterFarm create(ClientConfig config, Map<MacroStage, List<String>> defaultMacros, Transports transport,
                             EventLoopGroup probeGroup, Backoff backoff, PmultMetrics metrics, int maxFrameLength) {
        List<MilterClient> instances = new ArrayList<>();
        boolean several = config.instances().urls().size() > 1;
        for (SocketEndpoint url : config.instances().urls()) {
            // one of several fails over at once rather than retrying; one alone retries (MilterHealth)
            instances.add(new MilterClient(config.instance(url), defaultMacros, transport, probeGroup, backoff, metrics,
                    maxFrameLength, several ? MilterHealth.instanceOfSeveral() : new MilterHealth()));
        }
        return new MilterFarm(config, instances, metrics);
    }

    /** A client over {@code instances}, one per URL of {@code config} in the same order. */
    MilterFarm(ClientConfig config, List<MilterClient> instances, PmultMetrics metrics) {
        this.config = config;
        this.instances = List.copyOf(instances);
        this.balancer = new InstanceBalancer(config.instances().balance(), instances.size());
        this.meters = metrics.forClient(config.name());
        List<InstanceMeters> builtMeters = new ArrayList<>(instances.size());
        for (int i = 0; i < instances.size(); i++) {
            MilterClient instance = instances.get(i);
            int index = i;
            builtMeters.add(metrics.forInstance(config.name(), instance.config().url().toString(),
                    () -> instance.health() == MilterClient.Health.UP ? 1 : 0, () -> balancer.outstanding(index)));
        }
        this.instanceMeters = List.copyOf(builtMeters);
        if (instances.size() > 1) {
            // each instance reports its own health into the shared client gauge; the client is up while one is
            instances.forEach(instance -> instance.asInstance(this::updateUp));
        }
    }

    /** A client of one instance, {@code single}. */
    static MilterFarm of(MilterClient single, PmultMetrics metrics) {
        return new MilterFarm(single.config(), List.of(single), metrics);
    }

    public String name() {
        return config.name();
    }

    public ClientConfig config() {
        return config;
    }

    /** The instances, in configuration order. */
    public List<MilterClient> instances() {
        return instances;
    }

    /** UP while one instance is up; DOWN when every instance is down; else UNKNOWN. */
    public MilterClient.Health health() {
        boolean anyUnknown = false;
        for (MilterClient instance : instances) {
            if (instance.health() == MilterClient.Health.UP) {
                return MilterClient.Health.UP;
            }
            anyUnknown |= instance.health() == MilterClient.Health.UNKNOWN;
        }
        return anyUnknown ? MilterClient.Health.UNKNOWN : MilterClient.Health.DOWN;
    }

    void onNeedsChanged(Runnable listener) {
        instances.forEach(instance -> instance.onNeedsChanged(listener));
    }

    /**
     * What the client needs for the macro plan: that of the first instance that has negotiated
     * (instances run the same filter), else the first instance's configured defaults.
     */
    MacroPlan.ClientNeeds needs() {
        for (MilterClient instance : instances) {
            if (instance.health() == MilterClient.Health.UP) {
                return instance.needs();
            }
        }
        return instances.get(0).needs();
    }

    /** The instances a new session may try, best first (none while every instance is down). */
    List<Integer> candidates() {
        return balancer.candidates(index -> instances.get(index).health() != MilterClient.Health.DOWN);
    }

    MilterClient instance(int index) {
        return instances.get(index);
    }

    /** A session took instance {@code index}. */
    void taken(int index) {
        balancer.taken(index);
        instanceMeters.get(index).session();
    }

    /** A session left instance {@code index}: it ended there, or failed over to the next one ({@code failover}). */
    void released(int index, boolean failover) {
        balancer.released(index);
        if (failover) {
            instanceMeters.get(index).failover();
            LOG.info("milter \"{}\": instance {} cannot be connected; the session fails over to the next instance",
                    name(), instances.get(index).config().url());
        }
    }

    /** A session got the client's default action (counted once per session). */
    void countDefaultAction() {
        instances.get(0).countDefaultAction();
    }

    /** The milter asked to quarantine a message, which got {@code outcome} (the client's meters). */
    void countQuarantine(QuarantineHandling.Outcome outcome) {
        instances.get(0).countQuarantine(outcome);
    }

    /** What a session gets, without trying, while every instance is down. */
    LegVerdict downVerdict() {
        return instances.get(0).downVerdict();
    }

    /** Probes every instance not yet up, once; completes when all have an outcome. */
    CompletionStage<Void> probe() {
        List<CompletableFuture<MilterClient.Health>> probes = new ArrayList<>();
        for (MilterClient instance : instances) {
            if (instance.health() != MilterClient.Health.UP) {
                probes.add(instance.probe().toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(probes.toArray(new CompletableFuture[0]));
    }

    /** One line for the client (ready while one instance is) and, with several instances, one per instance. */
    List<ReadinessCheck.Status> statuses() {
        if (instances.size() == 1) {
            MilterClient only = instances.get(0);
            String detail = config.url() + ": " + only.healthDetail();
            return List.of(new ReadinessCheck.Status(name(), only.health() == MilterClient.Health.UP, detail));
        }
        List<ReadinessCheck.Status> statuses = new ArrayList<>(instances.size() + 1);
        long up = instances.stream().filter(instance -> instance.health() == MilterClient.Health.UP).count();
        statuses.add(new ReadinessCheck.Status(name(), up > 0, up + " of " + instances.size() + " instances up"));
        for (MilterClient instance : instances) {
            statuses.add(ReadinessCheck.Status.informational(name() + " instance " + instance.config().url(),
                    instance.health() == MilterClient.Health.UP, instance.healthDetail()));
        }
        return statuses;
    }

    void close() {
        instances.forEach(MilterClient::close);
    }

    /** Stops recording into this client's meters (it was removed by a reload). */
    void closeMeters() {
        instances.forEach(MilterClient::closeMeters);
        instanceMeters.forEach(InstanceMeters::close);
    }

    private void updateUp() {
        meters.up(health() == MilterClient.Health.UP);
    }
}
