package org.pmult.pmilter.server;

import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;

/**
 * Decides what pmult asks smtps for: which stages (a subset of the offered CAPS), how many sessions
 * per connection, and which macros at which stage. Called on the connection's event loop; must not block.
 */
@FunctionalInterface
public interface PmilterNegotiator {

    /** Throwing closes the connection (pmult cannot work with this smtps). */
    PmilterResponse.NegotiateReply negotiate(PmilterRequest.Negotiate offer);
}
