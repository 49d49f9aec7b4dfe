package org.pmult.sim.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterMacros;

/**
 * The macro values smtps knows in one session, and the macros it sends at a stage: exactly those the
 * pmilter asked for at that stage, in the order asked, leaving out any without a value or not valid
 * at that stage (§10.7) — never one more.
 */
final class MacroValues {

    private final Map<Integer, String> values = new HashMap<>();

    void set(int macroId, String value) {
        values.put(macroId, value);
    }

    PmilterMacros forStage(Stage stage, List<Macro> requested) {
        if (requested.isEmpty()) {
            return PmilterMacros.EMPTY;
        }
        PmilterMacros.Builder macros = PmilterMacros.builder();
        for (Macro macro : requested) {
            String value = values.get(macro.id());
            if (value != null && macro.isValidAt(stage)) {
                macros.add(macro, value);
            }
        }
        return macros.build();
    }
}
