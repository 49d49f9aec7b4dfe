package org.pmult.server.session;

import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.server.PmilterNegotiator;
import org.pmult.server.macro.MacroPlan;

import java.util.function.Supplier;

/**
 * Answers smtps's NEGOTIATE: every session stage it offers (the milters decide per step; a stage not
 * asked for would be answered CONTINUE by smtps without them), every modification kind it offers,
 * the configured MAXSESS, and the MeTA1 macros the current {@link MacroPlan} needs. Remembers what
 * smtps offered, since that bounds the modifications pmult may pass back on this connection.
 */
public final class Meta1Negotiator implements PmilterNegotiator {

    private static final int WANTED = PmilterCodes.STAGE_CAPS_MASK | PmilterCodes.MOD_CAPS_MASK;

    private final Supplier<MacroPlan> plan;
    private final int maxSessions;
    private volatile int offeredCaps = -1;
    private volatile MacroPlan negotiatedPlan;

    public Meta1Negotiator(Supplier<MacroPlan> plan, int maxSessions) {
        this.plan = plan;
        this.maxSessions = maxSessions;
    }

    @Override
    public PmilterResponse.NegotiateReply negotiate(PmilterRequest.Negotiate offer) {
        MacroPlan current = plan.get();
        offeredCaps = offer.caps();
        negotiatedPlan = current;
        int caps = offer.caps() & WANTED;
        if (!Capability.CONNECT.isSetIn(caps)) {
            throw new IllegalArgumentException("smtps offers no CONNECT stage (CAPS " + Capability.describe(offer.caps())
                    + "); pmult cannot see any session");
        }
        return new PmilterResponse.NegotiateReply(caps, maxSessions, current.meta1Requests());
    }

    /** What smtps offered; -1 before NEGOTIATE. */
    public int offeredCaps() {
        return offeredCaps;
    }

    /** The plan this connection negotiated with (its macro requests are what smtps will send). */
    public MacroPlan negotiatedPlan() {
        return negotiatedPlan;
    }
}
