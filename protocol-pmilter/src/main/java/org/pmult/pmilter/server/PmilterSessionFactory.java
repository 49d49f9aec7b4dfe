package org.pmult.pmilter.server;

import io.netty.channel.Channel;
import org.pmult.pmilter.codec.PmilterRequest;

/** Creates the handler of a new SMTP session when its CONNECT arrives. Called on the connection's event loop. */
@FunctionalInterface
public interface PmilterSessionFactory {

    /**
     * @param seid    MeTA1's session id
     * @param connect the CONNECT command, which is then passed to the new handler's {@code handle}
     * @param channel the pmilter connection the session lives on (for logging its peer)
     * @return the session's handler, never {@code null}; throwing answers the CONNECT with ERROR
     */
    PmilterSessionHandler open(String seid, PmilterRequest.Connect connect, Channel channel);
}
