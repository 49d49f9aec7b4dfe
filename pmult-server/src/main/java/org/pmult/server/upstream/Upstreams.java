package org.pmult.server.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.server.condition.ClientCondition;
import org.pmult.server.condition.Condition;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.MacroStage;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.metrics.ConditionMeters;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.metrics.ReadinessCheck;
import org.pmult.server.session.MilterLeg;
import org.pmult.server.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The configured milter clients, in verdict order, with the macro plan derived from what each one
 * negotiated. The plan is recomputed whenever a milter's macro needs change (first negotiation,
 * reconnect); sessions take the plan current at their start. Replaced whole on reload.
 */
public final class Upstreams implements ReadinessCheck {

    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);

    private final List<MilterFarm> clients;
    /** Per client, in client order: its recorder when it is in evaluation mode, else null. */
    private final List<EvaluationRecorder> evaluations;
    /** Per client, in client order: when it is consulted. */
    private final List<ClientCondition> conditions;
    private final MacroCatalog catalog;
    private final Map<MacroStage, List<String>> defineMacros;
    private final Map<String, String> macroDefaults;
    private volatile MacroPlan plan;

    private Upstreams(List<MilterFarm> clients, List<EvaluationRecorder> evaluations, List<ClientCondition> conditions,
                      MacroCatalog catalog, Map<MacroStage, List<String>> defineMacros, Map<String, String> macroDefaults) {
        this.clients = List.copyOf(clients);
        this.evaluations = java.util.Collections.unmodifiableList(new ArrayList<>(evaluations));
        this.conditions = List.copyOf(conditions);
        this.catalog = catalog;
        this.defineMacros = defineMacros;
        this.macroDefaults = macroDefaults;
        this.plan = computePlan();
        for (MilterFarm client : clients) {
            client.onNeedsChanged(this::replan);
        }
    }

    /**
     * Builds the clients of {@code config}, reusing those of {@code previous} whose configuration is
     * unchanged (they keep their health and negotiation), and validates the macro settings.
     *
     * @throws IllegalArgumentException for an unknown MeTA1 macro name in the configuration
     */
    public static Upstreams create(PmultConfig config, Upstreams previous, Transports transport, EventLoopGroup probeGroup,
                                   PmultMetrics metrics) {
        List<MilterFarm> clients = new ArrayList<>();
        List<EvaluationRecorder> evaluations = new ArrayList<>();
        List<ClientCondition> conditions = new ArrayList<>();
        for (ClientConfig client : config.clients()) {
            conditions.add(client.condition() == Condition.ALWAYS ? ClientCondition.always(client.name())
                    : new ClientCondition(client.name(), client.condition(), ConditionMeters.register(metrics.registry(),
                    client.name())));
            evaluations.add(client.evaluationMode()
                    ? new EvaluationRecorder(client.name(), metrics.forEvaluation(client.name())) : null);
            MilterFarm reused = previous == null ? null : previous.find(client);
            if (reused != null) {
                clients.add(reused);
                continue;
            }
            Map<MacroStage, List<String>> defaults = client.v2Macros().values().stream().allMatch(List::isEmpty)
                    ? config.macros().v2Defaults() : client.v2Macros();
            clients.add(MilterFarm.create(client, defaults, transport, probeGroup, config.reconnect(), metrics,
                    config.limits().maxFrameLength()));
        }
        MacroCatalog catalog = new MacroCatalog(config.macros().sendmailNames());
        return new Upstreams(clients, evaluations, conditions, catalog, config.macros().requested(),
                config.macros().defaults());
    }

    /** Probes every client not yet up, once; completes when all have an outcome. */
    public CompletionStage<Void> probeAll() {
        List<CompletableFuture<Void>> probes = new ArrayList<>();
        for (MilterFarm client : clients) {
            probes.add(client.probe().toCompletableFuture());
        }
        return CompletableFuture.allOf(probes.toArray(new CompletableFuture[0]));
    }

    /**
     * The legs for new session {@code seid}, one per client in client order, on the session's event
     * loop; a client in evaluation mode gets a leg that records its answers instead of applying them.
     */
    public List<MilterLeg> newLegs(EventLoop eventLoop, String seid) {
        List<MilterLeg> legs = new ArrayList<>(clients.size());
        for (int i = 0; i < clients.size(); i++) {
            MilterLeg leg = new SessionLeg(clients.get(i), eventLoop);
            EvaluationRecorder evaluation = evaluations.get(i);
            legs.add(evaluation == null ? leg : new EvaluatingLeg(leg, evaluation, seid));
        }
        return legs;
    }

    /** Per client, in client order: when each is consulted (for new sessions). */
    public List<ClientCondition> conditions() {
        return conditions;
    }

    /** Whether client {@code name} is in evaluation mode in this set. */
    public boolean evaluates(String name) {
        for (int i = 0; i < clients.size(); i++) {
            if (clients.get(i).name().equals(name)) {
                return evaluations.get(i) != null;
            }
        }
        return false;
    }

    public MacroPlan plan() {
        return plan;
    }

    public List<MilterFarm> clients() {
        return clients;
    }

    /** Stops this set's probes, and the meters of clients the successor no longer has (or no longer evaluates). */
    public void retire(Upstreams successor) {
        for (MilterFarm client : clients) {
            if (successor == null || !successor.clients.contains(client)) {
                client.close();
                client.closeMeters();
            }
        }
        for (EvaluationRecorder evaluation : evaluations) {
            if (evaluation != null && (successor == null || !successor.evaluates(evaluation.meters().client()))) {
                evaluation.meters().close();
            }
        }
        for (ClientCondition condition : conditions) {
            if (condition.meters() != null && (successor == null || successor.conditions.stream().noneMatch(
                    next -> next.conditional() && next.client().equals(condition.client())))) {
                condition.meters().close();
            }
        }
    }

    @Override
    public List<Status> statuses() {
        List<Status> statuses = new ArrayList<>(clients.size());
        for (MilterFarm client : clients) {
            statuses.addAll(client.statuses());
        }
        return statuses;
    }

    /** The client built for {@code config}; evaluation mode and condition are not the client's but each session's. */
    private MilterFarm find(ClientConfig config) {
        for (MilterFarm client : clients) {
            if (Objects.equals(client.config().connectionSettings(), config.connectionSettings())) {
                return client;
            }
        }
        return null;
    }

    private MacroPlan computePlan() {
        List<MacroPlan.ClientNeeds> needs = new ArrayList<>(clients.size());
        for (MilterFarm client : clients) {
            needs.add(client.needs());
        }
        Set<Macro> forConditions = EnumSet.noneOf(Macro.class);
        conditions.forEach(condition -> forConditions.addAll(condition.condition().meta1Macros()));
        return MacroPlan.build(catalog, defineMacros, needs, macroDefaults)
                .alsoRequesting(PmilterCodes.Stage.MAIL, forConditions, "client conditions");
    }

    /** A milter's needs changed: new sessions and new MeTA1 connections use the new plan. */
    private synchronized void replan() {
        MacroPlan previous = plan;
        MacroPlan next = computePlan();
        plan = next;
        if (!next.meta1Requests().equals(previous.meta1Requests()) || !next.warnings().equals(previous.warnings())) {
            logPlan();
        }
    }

    /** Logs what pmult asks MeTA1 for and the plan's remarks. */
    public void logPlan() {
        MacroPlan current = plan;
        LOG.info("macro plan: asking MeTA1 for {} (applies to pmilter connections negotiated from now on)",
                current.meta1Requests());
        current.warnings().forEach(remark -> LOG.info("macro plan: {}", remark));
    }
}
