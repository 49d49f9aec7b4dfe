package org.pmult.server.macro;

import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.server.config.MacroStage;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacroPlanTest {

    private final MacroCatalog catalog = new MacroCatalog(Map.of());

    /** What mailfromd lists in its SETSYMLIST for a filter that reads every macro (observed). */
    private static final MacroPlan.ClientNeeds MAILFROMD = new MacroPlan.ClientNeeds("mfd", Map.of(
            MacroStage.CONNECT, List.of("{client_addr}", "{client_name}", "j", "{daemon_name}"),
            MacroStage.HELO, List.of("s", "{tls_version}"),
            MacroStage.MAIL, List.of("f", "{mail_addr}", "{mail_host}", "{mail_mailer}", "i", "{auth_authen}"),
            MacroStage.RCPT, List.of("{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"),
            MacroStage.EOM, List.of("i", "{client_addr}", "{mail_addr}")), true);

    @Test
    void asksMeta1OnlyForTheMacrosMilterNeedAtTheStageTheyNeedThem() {
        MacroPlan plan = MacroPlan.build(catalog, Map.of(), List.of(MAILFROMD));
        assertEquals(Map.of(
                PmilterCodes.Stage.CONNECT, List.of(Macro.HOSTNAME),
                PmilterCodes.Stage.EHLO, List.of(Macro.TLS_VERSION),
                PmilterCodes.Stage.MAIL, List.of(Macro.AUTH_AUTHEN)), plan.meta1Requests());
    }

    @Test
    void macrosAConditionNeedsAreAskedOfMeta1ButReachNoMilterThatDidNotAskForThem() {
        MacroPlan.ClientNeeds plain = new MacroPlan.ClientNeeds("plain", Map.of(MacroStage.MAIL, List.of("{mail_addr}")), true);
        MacroPlan plan = MacroPlan.build(catalog, Map.of(), List.of(plain))
                .alsoRequesting(PmilterCodes.Stage.MAIL, java.util.Set.of(Macro.AUTH_AUTHEN), "client conditions");
        assertEquals(Map.of(PmilterCodes.Stage.MAIL, List.of(Macro.AUTH_AUTHEN)), plan.meta1Requests());
        SessionMacros session = new SessionMacros(plan.defaults());
        session.apply(PmilterMacros.of(Macro.AUTH_AUTHEN, "alice"));
        session.set(OwnMacro.MAIL_ADDR, "a@b.example");
        assertEquals(Map.of("{mail_addr}", "a@b.example"), session.valuesFor(plan.macros(0, MacroStage.MAIL)).toMap());
        assertEquals("alice", session.get(Macro.AUTH_AUTHEN), "pmult itself has the value");
    }

    @Test
    void sendsEachMilterExactlyWhatItListedThatSomeoneCanSupply() {
        MacroPlan plan = MacroPlan.build(catalog, Map.of(), List.of(MAILFROMD));
        // {daemon_name} and {mail_mailer} have a slot: only an administrator's macro default fills it
        assertEquals(List.of("{client_addr}", "{client_name}", "j", "{daemon_name}"),
                plan.macros(0, MacroStage.CONNECT).names().names());
        assertEquals(List.of("f", "{mail_addr}", "{mail_host}", "{mail_mailer}", "i", "{auth_authen}"),
                plan.macros(0, MacroStage.MAIL).names().names());
        assertTrue(plan.macros(0, MacroStage.DATA).isEmpty());
        assertTrue(plan.warnings().stream().noneMatch(w -> w.contains("{daemon_name}")), plan.warnings().toString());
    }

    @Test
    void anAdministratorsDefaultFillsAMacroNothingElseGivesAValue() {
        MacroPlan plan = MacroPlan.build(catalog, Map.of(), List.of(MAILFROMD),
                Map.of("{daemon_name}", "mx.example.org", "{mail_mailer}", "esmtp", "{client_addr}", "never used"));
        SessionMacros session = new SessionMacros(plan.defaults());
        session.set(OwnMacro.CLIENT_ADDR, "192.0.2.10");
        assertEquals(Map.of("{client_addr}", "192.0.2.10", "{daemon_name}", "mx.example.org"),
                session.valuesFor(plan.macros(0, MacroStage.CONNECT)).toMap());
        assertEquals("esmtp", session.valuesFor(plan.macros(0, MacroStage.MAIL)).toMap().get("{mail_mailer}"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> MacroPlan.build(catalog,
                Map.of(), List.of(MAILFROMD), Map.of("{nonesuch}", "x")));
        assertTrue(unknown.getMessage().startsWith("macro default for {nonesuch}: pmult has no such macro"), unknown.getMessage());
    }

    @Test
    void fillsStageValuesFromPmultAndMeta1Slots() {
        MacroPlan plan = MacroPlan.build(catalog, Map.of(), List.of(MAILFROMD));
        SessionMacros session = new SessionMacros();
        session.set(OwnMacro.CLIENT_ADDR, "192.0.2.10");
        session.apply(PmilterMacros.of(Macro.HOSTNAME, "mx.example.org"));
        MilterMacros connect = session.valuesFor(plan.macros(0, MacroStage.CONNECT));
        assertEquals(Map.of("{client_addr}", "192.0.2.10", "j", "mx.example.org"), connect.toMap());
    }

    @Test
    void defineMacrosComeFirstAndExtendDefaultSetsButNotSymlists() {
        MacroPlan.ClientNeeds v2 = new MacroPlan.ClientNeeds("old", Map.of(MacroStage.MAIL, List.of("f")), false);
        MacroPlan plan = MacroPlan.build(catalog, Map.of(MacroStage.MAIL, List.of("auth_type", "taid")), List.of(MAILFROMD, v2));
        assertEquals(List.of(Macro.AUTH_TYPE, Macro.TAID, Macro.AUTH_AUTHEN), plan.meta1Requests().get(PmilterCodes.Stage.MAIL));
        assertEquals(List.of("f", "{auth_type}", "{taid}"), plan.macros(1, MacroStage.MAIL).names().names());
        assertTrue(!plan.macros(0, MacroStage.MAIL).names().names().contains("{taid}"));
    }

    @Test
    void neverAsksForMoreThanEightMacrosAtAStage() {
        List<String> tls = List.of("{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}",
                "{alg_bits}", "{verify}", "{cn_subject}", "{cn_issuer}", "j");
        MacroPlan plan = MacroPlan.build(catalog, Map.of(),
                List.of(new MacroPlan.ClientNeeds("tls", Map.of(MacroStage.CONNECT, tls), true)));
        assertEquals(PmilterCodes.MAX_MACROS_PER_STAGE, plan.meta1Requests().get(PmilterCodes.Stage.CONNECT).size());
        assertTrue(plan.warnings().stream().anyMatch(w -> w.contains("at most 8")), plan.warnings().toString());
    }

    @Test
    void honoursSendmailNameOverrides() {
        MacroCatalog renamed = new MacroCatalog(Map.of("msgid", "{meta1_msgid}"));
        assertEquals(MacroCatalog.slotOf(Macro.MSGID), renamed.slotOf("{meta1_msgid}"));
        assertEquals(-1, renamed.slotOf("{msg_id}"));
        assertThrows(IllegalArgumentException.class, () -> new MacroCatalog(Map.of("nosuch", "{x}")));
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                () -> new MacroCatalog(Map.of("taid", "i")));
        assertTrue(clash.getMessage().contains("two values"), clash.getMessage());
    }

    @Test
    void doesNotAskMeta1ForAMacroAtAStageWhereItHasNoValue() {
        MacroPlan plan = MacroPlan.build(catalog, Map.of(),
                List.of(new MacroPlan.ClientNeeds("early", Map.of(MacroStage.CONNECT, List.of("{taid}")), true)));
        assertNull(plan.meta1Requests().get(PmilterCodes.Stage.CONNECT));
    }

    /** A milter without SETSYMLIST gets Postfix's milter_*_macros sets; MeTA1 is asked for what it supplies of them. */
    @Test
    void aMilterWithoutMacroListsGetsPostfixsDefaultSets() {
        MacroPlan plan = MacroPlan.build(catalog, Map.of(),
                List.of(new MacroPlan.ClientNeeds("rspamd", org.pmult.server.config.MacroConfig.DEFAULT_V2, false)));
        assertEquals(Map.of(
                PmilterCodes.Stage.CONNECT, List.of(Macro.HOSTNAME),
                PmilterCodes.Stage.EHLO, List.of(Macro.TLS_VERSION, Macro.TLS_CIPHER_SUITE, Macro.TLS_CIPHER_BITS,
                        Macro.TLS_CERT_SUBJECT, Macro.TLS_CERT_ISSUER),
                PmilterCodes.Stage.MAIL, List.of(Macro.AUTH_TYPE, Macro.AUTH_AUTHEN, Macro.AUTH_AUTHOR)), plan.meta1Requests());
        assertEquals(List.of("j", "{daemon_name}", "{daemon_addr}", "v", "_"), plan.macros(0, MacroStage.CONNECT).names().names());
        assertEquals(List.of("i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"), plan.macros(0, MacroStage.RCPT).names().names());
        for (MacroStage stage : List.of(MacroStage.DATA, MacroStage.EOH, MacroStage.EOM)) {
            assertEquals(List.of("i"), plan.macros(0, stage).names().names(), stage.configName());
        }
        assertEquals(List.of(), plan.warnings());
    }

    /** {daemon_name} is MeTA1's host name, as Postfix's is $myhostname, unless the administrator gave one. */
    @Test
    void daemonNameIsMeta1sHostNameUnlessTheAdministratorGaveOne() {
        MacroPlan.ClientNeeds onlyDaemonName = new MacroPlan.ClientNeeds("dn", Map.of(MacroStage.CONNECT,
                List.of("{daemon_name}")), true);
        MacroPlan plan = MacroPlan.build(catalog, Map.of(), List.of(onlyDaemonName));
        assertEquals(Map.of(PmilterCodes.Stage.CONNECT, List.of(Macro.HOSTNAME)), plan.meta1Requests());
        SessionMacros session = new SessionMacros(plan.defaults());
        session.apply(PmilterMacros.of(Macro.HOSTNAME, "mx.example.org"));
        session.derive(OwnMacro.DAEMON_NAME, session.get(Macro.HOSTNAME));
        assertEquals(Map.of("{daemon_name}", "mx.example.org"), session.valuesFor(plan.macros(0, MacroStage.CONNECT)).toMap());

        MacroPlan configured = MacroPlan.build(catalog, Map.of(), List.of(onlyDaemonName), Map.of("daemon_name", "MTA-v4"));
        SessionMacros withDefault = new SessionMacros(configured.defaults());
        withDefault.apply(PmilterMacros.of(Macro.HOSTNAME, "mx.example.org"));
        withDefault.derive(OwnMacro.DAEMON_NAME, withDefault.get(Macro.HOSTNAME));
        assertEquals(Map.of("{daemon_name}", "MTA-v4"), withDefault.valuesFor(configured.macros(0, MacroStage.CONNECT)).toMap());
    }
}
