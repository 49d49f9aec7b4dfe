package org.pmult.server.config;

/**
 * The exact written form a {@link SocketEndpoint} was parsed from, kept so that pmult can tell the
 * administrator how it read an address ("understood as Sendmail form inet:PORT@HOST") and can log
 * the address back the way it was written.
 */
public enum AddressSyntax {
    MAILFROMD_INET("mailfromd URL", "inet://HOST:PORT"),
    MAILFROMD_INET6("mailfromd URL", "inet6://[ADDR]:PORT"),
    MAILFROMD_UNIX("mailfromd URL", "unix://PATH"),
    MAILFROMD_LOCAL("mailfromd URL", "local://PATH"),
    /** Also mailfromd's "milter port specification"; mailfromd accepts both its URLs and this. */
    SENDMAIL_INET("Sendmail form", "inet:PORT@HOST"),
    /** libmilter listens on every IPv4 interface when the host is left out. */
    SENDMAIL_INET_ANY("Sendmail form without host (all IPv4 interfaces)", "inet:PORT"),
    SENDMAIL_INET6("Sendmail form", "inet6:PORT@ADDR"),
    /** Postfix writes unix sockets the same way. */
    SENDMAIL_UNIX("Sendmail/Postfix form", "unix:PATH"),
    SENDMAIL_LOCAL("Sendmail form", "local:PATH"),
    POSTFIX_INET("Postfix form", "inet:HOST:PORT"),
    /** mailfromd and GNU pmult take a plain absolute path as a unix socket. */
    BARE_PATH("bare socket path", "/PATH"),
    /** Only for the metrics HTTP address, never for Milter or pmilter sockets. */
    HOST_PORT("host and port", "HOST:PORT");

    private final String dialect;
    private final String pattern;

    AddressSyntax(String dialect, String pattern) {
        this.dialect = dialect;
        this.pattern = pattern;
    }

    /** Who writes addresses this way, e.g. {@code "Sendmail form"}. */
    public String dialect() {
        return dialect;
    }

    /** The shape of the syntax, e.g. {@code "inet:PORT@HOST"}. */
    public String pattern() {
        return pattern;
    }

    /** {@code "Sendmail form inet:PORT@HOST"}. */
    public String label() {
        return dialect + " " + pattern;
    }
}
