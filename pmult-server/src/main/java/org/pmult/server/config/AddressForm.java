package org.pmult.server.config;

import java.util.Locale;

/**
 * The three socket-address dialects an administrator meets around pmult, used as the output format
 * of {@link SocketEndpoint#format(AddressForm)} and of {@code pmult address ADDR --to FORM}.
 */
public enum AddressForm {
    /** Sendmail's and libmilter's {@code inet:PORT@HOST}, {@code inet6:PORT@ADDR}, {@code unix:PATH}. */
    SENDMAIL,
    /** mailfromd's (Mailutils) URLs {@code inet://HOST:PORT}, {@code inet6://[ADDR]:PORT}, {@code unix:///PATH}. */
    MAILFROMD,
    /** Postfix's {@code inet:HOST:PORT}, {@code inet:[ADDR]:PORT}, {@code unix:PATH}. */
    POSTFIX;

    /** The lower-case name used on the command line, e.g. {@code "sendmail"}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
