package org.pmult.bench;

import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.server.config.MacroStage;
import org.pmult.server.macro.MacroCatalog;
import org.pmult.server.macro.MacroPlan;
import org.pmult.server.macro.OwnMacro;
import org.pmult.server.macro.SessionMacros;

import java.util.List;
import java.util.Map;

/**
 * Realistic inputs for the macro benchmarks: GNU mailfromd's macro lists (the SETSYMLIST it sends
 * in its OPTNEG reply for a filter that reads every macro) and MeTA1 macro values as smtps sends them.
 */
final class MacroFixtures {

    /** What mailfromd asks for per stage ({@code mailfromd --dump-macros}, observed). */
    static final Map<MacroStage, List<String>> MAILFROMD_SYMLIST = Map.of(
            MacroStage.CONNECT, List.of("{client_addr}", "{client_name}", "j", "{daemon_name}"),
            MacroStage.HELO, List.of("s", "{tls_version}"),
            MacroStage.MAIL, List.of("f", "{mail_addr}", "{mail_host}", "{mail_mailer}", "i", "{auth_authen}"),
            MacroStage.RCPT, List.of("{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"),
            MacroStage.EOM, List.of("i", "{client_addr}", "{mail_addr}"));

    /** MeTA1 macros smtps can send with MAIL, in the order a request carries them; a request takes the first n. */
    private static final Macro[] MAIL_REQUEST_MACROS = {
            Macro.AUTH_AUTHEN, Macro.TAID, Macro.AUTH_TYPE, Macro.HOSTNAME,
            Macro.TLS_VERSION, Macro.TLS_CIPHER_SUITE, Macro.TLS_CIPHER_BITS, Macro.AUTH_AUTHOR};
    private static final String[] MAIL_REQUEST_VALUES = {
            "alice", "S0a1b2c3d4e5f6-T0001", "PLAIN", "mx1.example.org",
            "TLSv1.3", "TLS_AES_256_GCM_SHA384", "256", "alice@example.com"};

    private MacroFixtures() {
    }

    /** A plan for one client that negotiated mailfromd's SETSYMLIST (v6), no {@code define-macros}. */
    static MacroPlan mailfromdPlan() {
        return MacroPlan.build(new MacroCatalog(Map.of()), Map.of(),
                List.of(new MacroPlan.ClientNeeds("mfd", MAILFROMD_SYMLIST, true)));
    }

    /** The first {@code count} (1..8) MeTA1 macros of a MAIL request. */
    static PmilterMacros mailRequestMacros(int count) {
        PmilterMacros.Builder builder = PmilterMacros.builder();
        for (int i = 0; i < count; i++) {
            builder.add(MAIL_REQUEST_MACROS[i], MAIL_REQUEST_VALUES[i]);
        }
        return builder.build();
    }

    /** A session's table after CONNECT, EHLO and MAIL, filled the way the multiplexing session fills it. */
    static SessionMacros sessionAfterMail() {
        SessionMacros macros = new SessionMacros();
        macros.set(OwnMacro.SESSION_ID, "S0a1b2c3d4e5f6");
        macros.set(OwnMacro.PROTOCOL, "SMTP");
        macros.set(OwnMacro.CLIENT_ADDR, "192.0.2.10");
        macros.set(OwnMacro.CLIENT_PORT, "40112");
        macros.set(OwnMacro.CLIENT_NAME, "client.example.com");
        macros.set(OwnMacro.MULTIPLEXER, "pmult");
        macros.set(OwnMacro.MULT_VERSION, "0.1.0");
        macros.set(OwnMacro.HELO, "client.example.com");
        macros.set(OwnMacro.SENDER, "alice@example.com");
        macros.set(OwnMacro.MAIL_ADDR, "alice@example.com");
        macros.set(OwnMacro.MAIL_HOST, "example.com");
        macros.set(OwnMacro.NTRIES, "1");
        macros.set(OwnMacro.NRCPTS, "0");
        macros.set(OwnMacro.NBADRCPTS, "0");
        macros.apply(mailRequestMacros(MAIL_REQUEST_MACROS.length));
        return macros;
    }
}
