package org.pmult.server.config;

import org.pmult.pmilter.codec.PmilterCodes;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Macro settings shared by all clients.
 *
 * @param requested     GNU pmult's {@code define-macros}: extra MeTA1 macros (by MeTA1 name, e.g.
 *                      {@code auth_type}) to ask smtps for at each stage, on top of what the milters'
 *                      SETSYMLIST asks for. Every stage is present (possibly empty); {@link MacroStage#EOH}
 *                      is always empty because MeTA1 has no such stage
 * @param sendmailNames overrides of the Sendmail name a MeTA1 macro is handed to milters under
 *                      (MeTA1 name to canonical Sendmail name, e.g. {@code msgid -> {msg_id}})
 * @param v2Defaults    what to send a milter that sends no macro lists (any v2 milter, and a v6 milter
 *                      without SETSYMLIST) at each stage, as canonical Sendmail names; every stage
 *                      present. Clients may override per stage
 * @param defaults      the administrator's value per Sendmail macro (canonical name), sent when a milter
 *                      asks for a macro that has no value, as Postfix's {@code milter_macro_defaults};
 *                      values as written in the configuration (Java text)
 */
public record MacroConfig(
        Map<MacroStage, List<String>> requested,
        Map<String, String> sendmailNames,
        Map<MacroStage, List<String>> v2Defaults,
        Map<String, String> defaults) {

    /**
     * What a milter that sends no macro lists (no SETSYMLIST, e.g. any v2 milter) gets: Postfix 3.7's
     * {@code milter_*_macros} defaults, stage by stage, so that such a milter sees what it sees behind
     * Postfix. {@code {daemon_name}}, {@code {daemon_addr}}, {@code {mail_mailer}} and
     * {@code {rcpt_mailer}} have a value only from {@link #defaults()}.
     */
    public static final Map<MacroStage, List<String>> DEFAULT_V2 = stageMap(Map.of(
            MacroStage.CONNECT, List.of("j", "{daemon_name}", "{daemon_addr}", "v", "_"),
            MacroStage.HELO, List.of("{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"),
            MacroStage.MAIL, List.of("i", "{auth_type}", "{auth_authen}", "{auth_author}", "{mail_addr}", "{mail_host}",
                    "{mail_mailer}"),
            MacroStage.RCPT, List.of("i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"),
            MacroStage.DATA, List.of("i"),
            MacroStage.EOH, List.of("i"),
            MacroStage.EOM, List.of("i")), "v2 default");

    public static final MacroConfig DEFAULTS = new MacroConfig(Map.of(), Map.of(), DEFAULT_V2);

    /** Settings without macro defaults. */
    public MacroConfig(Map<MacroStage, List<String>> requested, Map<String, String> sendmailNames,
                       Map<MacroStage, List<String>> v2Defaults) {
        this(requested, sendmailNames, v2Defaults, Map.of());
    }

    public MacroConfig {
        requested = stageMap(requested, "define-macros");
        if (!requested.get(MacroStage.EOH).isEmpty()) {
            throw new IllegalArgumentException("define-macros: MeTA1 has no eoh stage (expected: connect, helo, mail, rcpt, data or eom)");
        }
        for (Map.Entry<MacroStage, List<String>> stage : requested.entrySet()) {
            stage.getValue().forEach(MacroNames::meta1);
            if (stage.getValue().size() > PmilterCodes.MAX_MACROS_PER_STAGE) {
                throw new IllegalArgumentException("define-macros " + stage.getKey().configName() + ": "
                        + stage.getValue().size() + " macros (expected: <= " + PmilterCodes.MAX_MACROS_PER_STAGE
                        + ", MeTA1's limit per stage)");
            }
        }
        Objects.requireNonNull(sendmailNames, "sendmailNames");
        Map<String, String> renamed = new LinkedHashMap<>();
        sendmailNames.forEach((meta1, sendmail) -> renamed.put(MacroNames.meta1(meta1), MacroNames.sendmail(sendmail)));
        sendmailNames = Collections.unmodifiableMap(renamed);
        v2Defaults = sendmailStageMap(v2Defaults, "v2 default");
        Objects.requireNonNull(defaults, "defaults");
        Map<String, String> canonical = new LinkedHashMap<>();
        defaults.forEach((name, value) -> canonical.put(MacroNames.sendmail(name), Objects.requireNonNull(value, name)));
        defaults = Collections.unmodifiableMap(canonical);
    }

    /**
     * A complete, immutable stage map: every stage present in stage order, names de-duplicated in
     * first-seen order.
     */
    static Map<MacroStage, List<String>> stageMap(Map<MacroStage, List<String>> given, String what) {
        Objects.requireNonNull(given, what);
        EnumMap<MacroStage, List<String>> complete = new EnumMap<>(MacroStage.class);
        for (MacroStage stage : MacroStage.values()) {
            List<String> names = given.getOrDefault(stage, List.of());
            Objects.requireNonNull(names, what + " " + stage.configName());
            complete.put(stage, List.copyOf(new LinkedHashSet<>(names)));
        }
        return Collections.unmodifiableMap(complete);
    }

    /** Like {@link #stageMap} with every name in canonical Sendmail form. */
    static Map<MacroStage, List<String>> sendmailStageMap(Map<MacroStage, List<String>> given, String what) {
        Objects.requireNonNull(given, what);
        EnumMap<MacroStage, List<String>> canonical = new EnumMap<>(MacroStage.class);
        given.forEach((stage, names) -> canonical.put(stage, names.stream().map(MacroNames::sendmail).toList()));
        return stageMap(canonical, what);
    }
}
