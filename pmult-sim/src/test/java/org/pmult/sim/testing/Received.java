package org.pmult.sim.testing;

import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterMacros;

/**
 * One session command as the scripted pmilter received it.
 *
 * @param connection  1 for the first connection the server accepted, 2 for the next, …
 * @param argument    CONNECT: {@code address:port name}; EHLO: its argument; MAIL/RCPT: the path; UNKNOWN: the
 *                    line; MSG: the chunk as ISO-8859-1 text; else ""
 * @param esmtpArgs   MAIL/RCPT parameters or {@code null}
 * @param recipientIndex RCPT_IDX, or -1
 */
public record Received(int connection, String seid, Command command, String argument, String esmtpArgs,
        int recipientIndex, PmilterMacros macros) {
}
