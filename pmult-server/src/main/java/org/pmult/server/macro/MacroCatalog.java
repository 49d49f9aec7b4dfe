package org.pmult.server.macro;

import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.pmilter.codec.PmilterCodes.Macro;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The one place a Sendmail macro name is resolved: every value pmult can hand a milter gets a slot
 * in a session's value table — first the {@link OwnMacro}s, then one per MeTA1 {@link Macro} — and
 * this catalog maps Sendmail names (braced or bare) to those slots. Built at startup and on reload,
 * never on the hot path.
 */
public final class MacroCatalog {

    private static final Macro[] META1 = Macro.values();
    private static final int OWN_COUNT = OwnMacro.values().length;

    private final Map<String, Integer> slotByBareName;
    private final String[] sendmailNameBySlot;

    /**
     * @param sendmailNames overrides: MeTA1 {@code define-macros} name to the Sendmail name milters
     *                      receive it under (e.g. {@code msgid -> {msg_id}}); unknown MeTA1 names are refused
     */
    public MacroCatalog(Map<String, String> sendmailNames) {
        sendmailNameBySlot = new String[size()];
        for (OwnMacro own : OwnMacro.values()) {
            sendmailNameBySlot[own.slot()] = own.sendmailName();
        }
        for (Macro macro : META1) {
            sendmailNameBySlot[slotOf(macro)] = defaultSendmailName(macro);
        }
        sendmailNames.forEach((meta1Name, sendmailName) -> {
            Macro macro = Macro.fromConfigName(meta1Name);
            if (macro == null) {
                throw new IllegalArgumentException("unknown MeTA1 macro \"" + meta1Name + "\" in macro name overrides"
                        + " (expected one of: " + meta1Names() + ")");
            }
            sendmailNameBySlot[slotOf(macro)] = sendmailName;
        });
        Map<String, Integer> bySlot = new HashMap<>();
        for (int slot = 0; slot < sendmailNameBySlot.length; slot++) {
            Integer clash = bySlot.put(MilterMacroNames.bareName(sendmailNameBySlot[slot]), slot);
            if (clash != null) {
                throw new IllegalArgumentException("Sendmail macro " + sendmailNameBySlot[slot]
                        + " would carry two values (" + describe(clash) + " and " + describe(slot)
                        + "); rename one in the macro name overrides");
            }
        }
        slotByBareName = Collections.unmodifiableMap(bySlot);
    }

    /** The default Sendmail name of each MeTA1 macro (pmilter profile §10.7). */
    public static String defaultSendmailName(Macro macro) {
        return switch (macro) {
            case HOSTNAME -> "j";
            case CLIENT_RESOLVE -> "{client_resolve}";
            case TLS_VERSION -> "{tls_version}";
            case TLS_CIPHER_SUITE -> "{cipher}";
            case TLS_CIPHER_BITS -> "{cipher_bits}";
            case TLS_CERT_SUBJECT -> "{cert_subject}";
            case TLS_CERT_ISSUER -> "{cert_issuer}";
            case TLS_ALG_BITS -> "{alg_bits}";
            case TLS_VRFY -> "{verify}";
            case TLS_CN_SUBJECT -> "{cn_subject}";
            case TLS_CN_ISSUER -> "{cn_issuer}";
            case AUTH_TYPE -> "{auth_type}";
            case AUTH_AUTHEN -> "{auth_authen}";
            case AUTH_AUTHOR -> "{auth_author}";
            case TAID -> "{taid}";
            case MSGID -> "{msg_id}";
            case HOP_COUNT -> "c";
        };
    }

    /** Number of slots in a session's value table. */
    public static int size() {
        return OWN_COUNT + META1.length;
    }

    public static int slotOf(Macro macro) {
        return OWN_COUNT + macro.ordinal();
    }

    /** The MeTA1 macro behind {@code slot}, or null when pmult supplies that value itself. */
    public static Macro meta1MacroAt(int slot) {
        return slot >= OWN_COUNT ? META1[slot - OWN_COUNT] : null;
    }

    /** pmult's own macro in {@code slot}, or null when MeTA1 supplies that value. */
    public static OwnMacro ownMacroAt(int slot) {
        return slot < OWN_COUNT ? OwnMacro.values()[slot] : null;
    }

    /** The slot carrying Sendmail macro {@code name} ({@code {client_addr}} or {@code client_addr}), or -1. */
    public int slotOf(String sendmailName) {
        Integer slot = slotByBareName.get(MilterMacroNames.bareName(sendmailName));
        return slot == null ? -1 : slot;
    }

    /** The Sendmail name the value in {@code slot} is sent under. */
    public String sendmailName(int slot) {
        return sendmailNameBySlot[slot];
    }

    private String describe(int slot) {
        Macro macro = meta1MacroAt(slot);
        return macro == null ? "pmult's own " + OwnMacro.values()[slot].sendmailName() : "MeTA1 " + macro.configName();
    }

    private static String meta1Names() {
        StringBuilder names = new StringBuilder();
        for (Macro macro : META1) {
            names.append(names.length() == 0 ? "" : ", ").append(macro.configName());
        }
        return names.toString();
    }
}
