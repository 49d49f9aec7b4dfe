package org.pmult.sim.engine;

import java.util.List;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;

/**
 * The verdict smtps applies to a command.
 *
 * @param failure       the failure that made the failure rule decide, or null
 * @param failureDetail what went wrong, or null
 */
record Verdict(ReplyCode code, String text, List<PmilterModification> modifications, ReplySource source,
        PmilterFailure failure, String failureDetail) {
}
