package org.pmult.server.config;

import java.util.Objects;

/**
 * One socket MeTA1's smtps connects to.
 *
 * @param endpoint   where to listen
 * @param unixSocket mode and ownership applied when {@code endpoint} is a unix socket
 */
public record ListenConfig(SocketEndpoint endpoint, UnixSocketOptions unixSocket) {

    public ListenConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(unixSocket, "unixSocket");
    }

    /** A listen socket with the default unix socket options. */
    public static ListenConfig of(SocketEndpoint endpoint) {
        return new ListenConfig(endpoint, UnixSocketOptions.DEFAULTS);
    }
}
