package org.pmult.pmilter.client;

import java.time.Duration;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterFrameDecoder;

/**
 * Limits of a {@link PmilterClientConnection}.
 *
 * @param connectTimeout   how long establishing the connection may take
 * @param replyTimeout     how long each command may wait for its reply (MeTA1's {@code policy_milter.timeout})
 * @param maxMessageLength largest message sent or accepted
 */
public record PmilterClientSettings(Duration connectTimeout, Duration replyTimeout, int maxMessageLength) {

    /** Connect within 5 s, each reply within 30 s, messages up to the profile's default bound. */
    public static final PmilterClientSettings DEFAULTS = new PmilterClientSettings(
            Duration.ofSeconds(5), Duration.ofSeconds(30), PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);

    public PmilterClientSettings {
        positive("connectTimeout", connectTimeout);
        positive("replyTimeout", replyTimeout);
        PmilterFrameDecoder.checkMaxMessageLength(maxMessageLength);
    }

    public PmilterClientSettings withReplyTimeout(Duration timeout) {
        return new PmilterClientSettings(connectTimeout, timeout, maxMessageLength);
    }

    public PmilterClientSettings withConnectTimeout(Duration timeout) {
        return new PmilterClientSettings(timeout, replyTimeout, maxMessageLength);
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}
