package org.pmult.sim.engine;

import java.time.Duration;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterFrameDecoder;
import org.pmult.sim.meta1.Meta1PolicyMilterConfig;

/**
 * How the simulated smtps talks to the pmilter.
 *
 * @param policyMilter     address, reply timeout and failure policy ({@code policy_milter} of meta1.conf)
 * @param connectTimeout   how long connecting may take (a failure to connect counts like a timeout)
 * @param chunkSize        bytes per MSG chunk, 1..{@value PmilterCodes#MAX_CHUNK_LENGTH}
 * @param offeredCaps      the CAPS offered in NEGOTIATE; smtps offers every stage and modification
 * @param offeredMaxSessions MAXSESS offered in NEGOTIATE (0 = no limit)
 * @param maxMessageLength largest protocol message sent or accepted
 */
public record SimulatorSettings(Meta1PolicyMilterConfig policyMilter, Duration connectTimeout, int chunkSize,
        int offeredCaps, int offeredMaxSessions, int maxMessageLength) {

    /** Connect timeout unless set: MeTA1 does not document one. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public SimulatorSettings {
        Objects.requireNonNull(policyMilter, "policyMilter");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
        }
        if (chunkSize < 1 || chunkSize > PmilterCodes.MAX_CHUNK_LENGTH) {
            throw new IllegalArgumentException("chunk size: " + chunkSize + " (expected: 1.."
                    + PmilterCodes.MAX_CHUNK_LENGTH + ")");
        }
        if ((offeredCaps & ~PmilterCodes.ALL_MASK) != 0) {
            throw new IllegalArgumentException("offered CAPS: 0x" + Integer.toHexString(offeredCaps)
                    + " (expected: bits of 0x" + Integer.toHexString(PmilterCodes.ALL_MASK) + " only)");
        }
        if (offeredMaxSessions < 0) {
            throw new IllegalArgumentException("offered MAXSESS: " + offeredMaxSessions + " (expected: >= 0)");
        }
        PmilterFrameDecoder.checkMaxMessageLength(maxMessageLength);
    }

    /** smtps's defaults: every stage and modification offered, no session limit, 64 KiB chunks. */
    public static SimulatorSettings of(Meta1PolicyMilterConfig policyMilter) {
        return new SimulatorSettings(policyMilter, DEFAULT_CONNECT_TIMEOUT, PmilterCodes.MAX_CHUNK_LENGTH,
                PmilterCodes.ALL_MASK, 0, PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
    }

    public SimulatorSettings withChunkSize(int size) {
        return new SimulatorSettings(policyMilter, connectTimeout, size, offeredCaps, offeredMaxSessions,
                maxMessageLength);
    }

    public SimulatorSettings withConnectTimeout(Duration timeout) {
        return new SimulatorSettings(policyMilter, timeout, chunkSize, offeredCaps, offeredMaxSessions,
                maxMessageLength);
    }

    public SimulatorSettings withOfferedCaps(int caps) {
        return new SimulatorSettings(policyMilter, connectTimeout, chunkSize, caps, offeredMaxSessions,
                maxMessageLength);
    }

    public SimulatorSettings withOfferedMaxSessions(int maxSessions) {
        return new SimulatorSettings(policyMilter, connectTimeout, chunkSize, offeredCaps, maxSessions,
                maxMessageLength);
    }
}
