package org.pmult.server.session;

import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.server.macro.OwnMacro;
import org.pmult.server.macro.SessionMacros;

/**
 * The session's macros known from CONNECT on: pmult's own, derived from the pmilter CONNECT command
 * the way Postfix and Sendmail fill them, and MeTA1's as they came with it.
 */
final class ConnectMacros {

    private ConnectMacros() {
    }

    /** Fills {@code macros} for the session {@code seid} from its CONNECT command. */
    static void fill(SessionMacros macros, String seid, PmilterRequest.Connect connect) {
        String address = ClientAddress.text(connect.clientAddress());
        macros.set(OwnMacro.SESSION_ID, seid);
        macros.set(OwnMacro.PROTOCOL, "SMTP");
        macros.set(OwnMacro.CLIENT_ADDR, ClientAddress.macroText(connect.clientAddress()));
        macros.set(OwnMacro.CLIENT_PORT, Integer.toString(connect.port()));
        macros.set(OwnMacro.CLIENT_NAME, hostname(connect));
        macros.set(OwnMacro.MULTIPLEXER, "pmult");
        macros.set(OwnMacro.MULT_VERSION, PmultVersion.VERSION);
        macros.set(OwnMacro.MTA_VERSION, "pmult " + PmultVersion.VERSION);
        macros.set(OwnMacro.CLIENT_DESCRIPTION, (connect.clientName().isEmpty() ? "unknown" : connect.clientName())
                + " [" + address + "]");
        macros.apply(connect.macros());
        // Postfix's {daemon_name} defaults to $myhostname; MeTA1's counterpart is its host name j.
        macros.derive(OwnMacro.DAEMON_NAME, macros.get(Macro.HOSTNAME));
    }

    /** The host name of the CONNECT packet and {@code {client_name}}: {@code [addr]} when MeTA1 resolved none, as Sendmail. */
    static String hostname(PmilterRequest.Connect connect) {
        return connect.clientName().isEmpty() ? "[" + ClientAddress.text(connect.clientAddress()) + "]" : connect.clientName();
    }
}
