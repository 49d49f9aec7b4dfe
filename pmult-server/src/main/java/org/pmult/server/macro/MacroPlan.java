package org.pmult.server.macro;

import org.pmult.milter.codec.CStrings;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.server.config.MacroStage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The macro negotiation result, computed once per configuration and milter negotiation: which MeTA1
 * macros to ask smtps for at each stage (the union of what every milter needs plus
 * {@code define-macros}, at most {@value PmilterCodes#MAX_MACROS_PER_STAGE} per stage), and for each
 * milter and stage the precomputed {@link StageMacros}.
 */
public final class MacroPlan {

    private static final MacroStage[] STAGES = MacroStage.values();

    /**
     * What one milter needs.
     *
     * @param client      the client's name, for messages
     * @param names       Sendmail macro names per stage
     * @param fromSymlist true when the milter listed them itself (v6 SETSYMLIST): then it gets exactly
     *                    those; false for configured defaults, which {@code define-macros} extends
     */
    public record ClientNeeds(String client, Map<MacroStage, List<String>> names, boolean fromSymlist) {
    }

    private final Map<PmilterCodes.Stage, List<Macro>> meta1Requests;
    private final List<StageMacros[]> clients;
    private final List<String> warnings;
    private final String[] defaults;

    private MacroPlan(Map<PmilterCodes.Stage, List<Macro>> meta1Requests, List<StageMacros[]> clients, List<String> warnings,
                      String[] defaults) {
        this.meta1Requests = meta1Requests;
        this.clients = clients;
        this.warnings = warnings;
        this.defaults = defaults;
    }

    /**
     * @param defineMacros MeTA1 macro names per stage ({@code define-macros}); unknown names are refused
     * @param needs        one entry per client, in client order
     */
    public static MacroPlan build(MacroCatalog catalog, Map<MacroStage, List<String>> defineMacros, List<ClientNeeds> needs) {
        return build(catalog, defineMacros, needs, Map.of());
    }

    /**
     * @param macroDefaults the administrator's value per Sendmail macro, as written in the configuration
     *                      (Java text, sent as its UTF-8 bytes); a name neither pmult nor MeTA1 supplies is refused
     */
    public static MacroPlan build(MacroCatalog catalog, Map<MacroStage, List<String>> defineMacros, List<ClientNeeds> needs,
                                  Map<String, String> macroDefaults) {
        String[] defaults = new String[MacroCatalog.size()];
        macroDefaults.forEach((name, value) -> {
            int slot = catalog.slotOf(name);
            if (slot < 0) {
                throw new IllegalArgumentException("macro default for " + name + ": pmult has no such macro to give a"
                        + " value (expected: a macro pmult or MeTA1 supplies, e.g. {daemon_name}, {if_addr}, {mail_mailer})");
            }
            defaults[slot] = CStrings.octets(value);
        });
        List<String> warnings = new ArrayList<>();
        EnumMap<PmilterCodes.Stage, Set<Macro>> requested = new EnumMap<>(PmilterCodes.Stage.class);
        for (PmilterCodes.Stage stage : PmilterCodes.Stage.values()) {
            requested.put(stage, new LinkedHashSet<>());
        }
        EnumMap<MacroStage, List<String>> defined = new EnumMap<>(MacroStage.class);
        // define-macros first: an administrator's explicit request wins the limited places per stage.
        defineMacros.forEach((stage, meta1Names) -> {
            for (String meta1Name : meta1Names) {
                Macro macro = Macro.fromConfigName(meta1Name);
                if (macro == null) {
                    throw new IllegalArgumentException("define-macros " + stage.configName() + ": unknown MeTA1 macro \""
                            + meta1Name + "\"");
                }
                requestAt(Stages.meta1(stage), macro, requested, warnings, "define-macros");
                defined.computeIfAbsent(stage, s -> new ArrayList<>()).add(catalog.sendmailName(MacroCatalog.slotOf(macro)));
            }
        });
        List<StageMacros[]> clients = new ArrayList<>(needs.size());
        for (ClientNeeds need : needs) {
            StageMacros[] byStage = new StageMacros[STAGES.length];
            for (MacroStage stage : STAGES) {
                Set<String> names = new LinkedHashSet<>(need.names().getOrDefault(stage, List.of()));
                if (!need.fromSymlist()) {
                    names.addAll(defined.getOrDefault(stage, List.of()));
                }
                int key = clients.size() * STAGES.length + stage.ordinal();
                byStage[stage.ordinal()] = resolve(catalog, need.client(), stage, names, requested, warnings, key);
            }
            clients.add(byStage);
        }
        EnumMap<PmilterCodes.Stage, List<Macro>> requests = new EnumMap<>(PmilterCodes.Stage.class);
        requested.forEach((stage, macros) -> {
            if (!macros.isEmpty()) {
                requests.put(stage, List.copyOf(macros));
            }
        });
        return new MacroPlan(Collections.unmodifiableMap(requests), List.copyOf(clients), List.copyOf(warnings), defaults);
    }

    private static StageMacros resolve(MacroCatalog catalog, String client, MacroStage stage, Set<String> names,
                                       Map<PmilterCodes.Stage, Set<Macro>> requested, List<String> warnings, int key) {
        List<String> supplied = new ArrayList<>(names.size());
        int[] slots = new int[names.size()];
        for (String name : names) {
            int slot = catalog.slotOf(name);
            if (slot < 0) {
                warnings.add("client \"" + client + "\" asks for macro " + name + " at " + stage.configName()
                        + ": neither MeTA1 nor pmult supplies it; it will not be sent");
                continue;
            }
            Macro macro = MacroCatalog.meta1MacroAt(slot);
            if (macro != null) {
                PmilterCodes.Stage meta1Stage = Stages.meta1(stage);
                if (!macro.isValidAt(meta1Stage)) {
                    // smtps cannot have it yet; a value asked for at an earlier stage may still be in the table
                    warnings.add("client \"" + client + "\" asks for " + name + " (MeTA1 " + macro.configName() + ") at "
                            + stage.configName() + ", where MeTA1 does not supply it");
                } else {
                    requestAt(meta1Stage, macro, requested, warnings, "client \"" + client + "\"");
                }
            } else if (MacroCatalog.ownMacroAt(slot).derivedFrom() != null) {
                requestAt(PmilterCodes.Stage.CONNECT, MacroCatalog.ownMacroAt(slot).derivedFrom(), requested, warnings,
                        "client \"" + client + "\" (for " + name + ")");
            }
            slots[supplied.size()] = slot;
            supplied.add(catalog.sendmailName(slot));
        }
        if (supplied.isEmpty()) {
            return StageMacros.NONE;
        }
        return new StageMacros(MilterMacroNames.of(supplied), java.util.Arrays.copyOf(slots, supplied.size()), key);
    }

    private static void requestAt(PmilterCodes.Stage stage, Macro macro, Map<PmilterCodes.Stage, Set<Macro>> requested,
                                  List<String> warnings, String who) {
        Set<Macro> atStage = requested.get(stage);
        if (atStage.contains(macro)) {
            return;
        }
        if (atStage.size() == PmilterCodes.MAX_MACROS_PER_STAGE) {
            warnings.add(who + ": MeTA1 macro " + macro.configName() + " not requested at " + stage
                    + ": MeTA1 allows at most " + PmilterCodes.MAX_MACROS_PER_STAGE + " macros per stage (already "
                    + atStage + ")");
            return;
        }
        atStage.add(macro);
    }

    /**
     * This plan with {@code macros} also asked of MeTA1 at {@code stage} for pmult's own use (client
     * conditions): they are stored in the session like every MeTA1 value, but no milter gets them
     * unless its own plan names them.
     *
     * @param who for the warning when the per-stage limit leaves one out
     */
    public MacroPlan alsoRequesting(PmilterCodes.Stage stage, Set<Macro> macros, String who) {
        if (macros.isEmpty()) {
            return this;
        }
        EnumMap<PmilterCodes.Stage, Set<Macro>> requested = new EnumMap<>(PmilterCodes.Stage.class);
        for (PmilterCodes.Stage each : PmilterCodes.Stage.values()) {
            requested.put(each, new LinkedHashSet<>(meta1Requests.getOrDefault(each, List.of())));
        }
        List<String> remarks = new ArrayList<>(warnings);
        for (Macro macro : macros) {
            requestAt(stage, macro, requested, remarks, who);
        }
        EnumMap<PmilterCodes.Stage, List<Macro>> requests = new EnumMap<>(PmilterCodes.Stage.class);
        requested.forEach((each, atStage) -> {
            if (!atStage.isEmpty()) {
                requests.put(each, List.copyOf(atStage));
            }
        });
        return new MacroPlan(Collections.unmodifiableMap(requests), clients, List.copyOf(remarks), defaults);
    }

    /** The MeTA1 macros to ask for, per stage, for the NEGOTIATE_REPLY; stages without any are absent. */
    public Map<PmilterCodes.Stage, List<Macro>> meta1Requests() {
        return meta1Requests;
    }

    /** What client number {@code client} (in client order) gets at {@code stage}. */
    public StageMacros macros(int client, MacroStage stage) {
        return clients.get(client)[stage.ordinal()];
    }

    public int clientCount() {
        return clients.size();
    }

    /** The administrator's value per slot of a session's value table (null where none); do not modify. */
    public String[] defaults() {
        return defaults;
    }

    /** Problems found while planning (a name nobody supplies, a per-stage limit hit); log them at startup. */
    public List<String> warnings() {
        return warnings;
    }
}
