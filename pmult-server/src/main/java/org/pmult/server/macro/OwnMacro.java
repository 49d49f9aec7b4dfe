package org.pmult.server.macro;

import org.pmult.pmilter.codec.PmilterCodes.Macro;

/**
 * The macros pmult supplies itself from the pmilter commands, with the Sendmail name milters know
 * them by (pmilter profile §10.7 and the GNU pmult manual). MeTA1's own macros are in
 * {@code PmilterCodes.Macro}; {@link MacroCatalog} gives both kinds slots in one value table.
 */
public enum OwnMacro {
    CLIENT_ADDR("{client_addr}"),
    CLIENT_PORT("{client_port}"),
    CLIENT_NAME("{client_name}"),
    /** MeTA1's session id. */
    SESSION_ID("i"),
    /** Always {@code SMTP}. */
    PROTOCOL("r"),
    /** The HELO/EHLO argument. */
    HELO("s"),
    /** The envelope sender without its angle brackets ({@code <>} gives the empty string). */
    SENDER("f"),
    MAIL_ADDR("{mail_addr}"),
    /** The sender's domain; for the null sender MeTA1's host name, as Postfix gives its own. */
    MAIL_HOST("{mail_host}", Macro.HOSTNAME),
    /** Always {@code 1}: MeTA1 gives no delivery-attempt count. */
    NTRIES("{ntries}"),
    NRCPTS("{nrcpts}"),
    NBADRCPTS("{nbadrcpts}"),
    RCPT_ADDR("{rcpt_addr}"),
    RCPT_HOST("{rcpt_host}"),
    MULTIPLEXER("{multiplexer}"),
    MULT_VERSION("{mult_version}"),
    /** The MTA's name and version: {@code pmult VERSION} (Postfix: {@code Postfix 3.7.11}). */
    MTA_VERSION("v"),
    /** {@code NAME [ADDR]} of the SMTP client, {@code unknown [ADDR]} without a name, as Postfix. */
    CLIENT_DESCRIPTION("_"),
    /** MeTA1's host name, as Postfix's defaults to {@code $myhostname}; an administrator's default wins. */
    DAEMON_NAME("{daemon_name}", Macro.HOSTNAME),
    // Not derivable from what MeTA1 tells a pmilter: only an administrator's default gives them a value.
    DAEMON_ADDR("{daemon_addr}"),
    IF_NAME("{if_name}"),
    IF_ADDR("{if_addr}"),
    MAIL_MAILER("{mail_mailer}"),
    RCPT_MAILER("{rcpt_mailer}");

    private final String sendmailName;
    private final Macro derivedFrom;

    OwnMacro(String sendmailName) {
        this(sendmailName, null);
    }

    OwnMacro(String sendmailName, Macro derivedFrom) {
        this.sendmailName = sendmailName;
        this.derivedFrom = derivedFrom;
    }

    /**
     * The MeTA1 macro (asked for at CONNECT) this value is derived from, so that a milter asking
     * only for this one still gets it; null when the pmilter commands alone give it.
     */
    public Macro derivedFrom() {
        return derivedFrom;
    }

    public String sendmailName() {
        return sendmailName;
    }

    /** Its index in a session's value table. */
    public int slot() {
        return ordinal();
    }
}
