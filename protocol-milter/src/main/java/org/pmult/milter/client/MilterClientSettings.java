package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCodes;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything one Milter client connection is configured with. Defaults follow GNU pmult: connect
 * 300 s, write 10 s, read (per reply) 10 s, end of message 300 s, default action tempfail, and an
 * offer of version 6 with every action and every protocol flag pmult honours.
 *
 * @param name            the client's name in log lines and metric tags, e.g. {@code mfd}
 * @param connectTimeout  connecting the socket
 * @param writeTimeout    handing one command to the socket
 * @param readTimeout     waiting for the reply to one command (also the option negotiation reply)
 * @param eomTimeout      waiting for the end-of-message reply; every SMFIR_PROGRESS restarts it
 * @param maxFrameLength  largest packet accepted or sent (length field value, code byte included)
 * @param defaultAction   the verdict for every event once the filter failed
 * @param offeredVersion  the protocol version offered (2..6)
 * @param offeredActions  the SMFIF_* actions the filter may ask for
 * @param offeredProtocol the SMFIP_* flags the filter may ask for
 * @param observer        metrics/log hooks
 * @param connectGate     admits connection attempts (pmult bounds those in flight per filter)
 * @param connectBackoff  waits between attempts after a transient connect failure, within
 *                        {@code connectTimeout}; {@link ConnectBackoff#NONE} (the default) tries once
 */
public record MilterClientSettings(
        String name,
        Duration connectTimeout,
        Duration writeTimeout,
        Duration readTimeout,
        Duration eomTimeout,
        int maxFrameLength,
        DefaultAction defaultAction,
        int offeredVersion,
        int offeredActions,
        int offeredProtocol,
        MilterClientObserver observer,
        ConnectGate connectGate,
        ConnectBackoff connectBackoff) {

    /**
     * The protocol flags offered by default: every flag of version 6 (0x1fffff), as Postfix offers.
     * HDR_LEADSPC changes how header values go both ways ({@link HeaderLeadingSpace}); RCPT_REJ is
     * accepted, and a filter that asks for it also gets the recipients the MTA refused where the MTA
     * reports them (the pmilter profile does not, so behind MeTA1 it sees what every filter sees).
     */
    public static final int DEFAULT_OFFERED_PROTOCOL = MilterCodes.V6_PROTOCOL;

    public MilterClientSettings {
        Objects.requireNonNull(name, "name");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(writeTimeout, "writeTimeout");
        requirePositive(readTimeout, "readTimeout");
        requirePositive(eomTimeout, "eomTimeout");
        if (maxFrameLength < MilterCodes.DEFAULT_MAX_FRAME_LENGTH) {
            throw new IllegalArgumentException("maxFrameLength: " + maxFrameLength + " (expected: >= "
                    + MilterCodes.DEFAULT_MAX_FRAME_LENGTH + ", the protocol's own packet size)");
        }
        Objects.requireNonNull(defaultAction, "defaultAction");
        if (!MilterCodes.isSupportedVersion(offeredVersion)) {
            throw new IllegalArgumentException("offeredVersion: " + offeredVersion + " (expected: "
                    + MilterCodes.MIN_VERSION + ".." + MilterCodes.MAX_VERSION + ")");
        }
        if ((offeredActions & ~MilterCodes.actionMask(MilterCodes.MAX_VERSION)) != 0) {
            throw new IllegalArgumentException("offeredActions: " + String.format("0x%x", offeredActions)
                    + " (expected: SMFIF_* flags only)");
        }
        if ((offeredProtocol & ~MilterCodes.protocolMask(MilterCodes.MAX_VERSION)) != 0) {
            throw new IllegalArgumentException("offeredProtocol: " + String.format("0x%x", offeredProtocol)
                    + " (expected: SMFIP_* step flags only, no internal MDS bits)");
        }
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(connectGate, "connectGate");
        Objects.requireNonNull(connectBackoff, "connectBackoff");
    }

    /** The defaults for a client called {@code name}. */
    public static MilterClientSettings defaults(String name) {
        return builder(name).build();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(name).connectTimeout(connectTimeout).writeTimeout(writeTimeout)
                .readTimeout(readTimeout).eomTimeout(eomTimeout).maxFrameLength(maxFrameLength)
                .defaultAction(defaultAction).offeredVersion(offeredVersion).offeredActions(offeredActions)
                .offeredProtocol(offeredProtocol).observer(observer).connectGate(connectGate)
                .connectBackoff(connectBackoff);
    }

    private static void requirePositive(Duration duration, String field) {
        Objects.requireNonNull(duration, field);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(field + ": " + duration + " (expected: > 0)");
        }
    }

    /** Builds {@link MilterClientSettings}; every field starts at its default. */
    public static final class Builder {
        private final String name;
        private Duration connectTimeout = Duration.ofSeconds(300);
        private Duration writeTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(10);
        private Duration eomTimeout = Duration.ofSeconds(300);
        private int maxFrameLength = MilterCodes.DEFAULT_MAX_FRAME_LENGTH;
        private DefaultAction defaultAction = DefaultAction.TEMPFAIL;
        private int offeredVersion = MilterCodes.MAX_VERSION;
        private int offeredActions = MilterCodes.V6_ACTIONS;
        private int offeredProtocol = DEFAULT_OFFERED_PROTOCOL;
        private MilterClientObserver observer = MilterClientObserver.NONE;
        private ConnectGate connectGate = ConnectGate.UNLIMITED;
        private ConnectBackoff connectBackoff = ConnectBackoff.NONE;

        private Builder(String name) {
            this.name = name;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder writeTimeout(Duration value) {
            this.writeTimeout = value;
            return this;
        }

        public Builder readTimeout(Duration value) {
            this.readTimeout = value;
            return this;
        }

        public Builder eomTimeout(Duration value) {
            this.eomTimeout = value;
            return this;
        }

        public Builder maxFrameLength(int value) {
            this.maxFrameLength = value;
            return this;
        }

        public Builder defaultAction(DefaultAction value) {
            this.defaultAction = value;
            return this;
        }

        public Builder offeredVersion(int value) {
            this.offeredVersion = value;
            return this;
        }

        public Builder offeredActions(int value) {
            this.offeredActions = value;
            return this;
        }

        public Builder offeredProtocol(int value) {
            this.offeredProtocol = value;
            return this;
        }

        public Builder observer(MilterClientObserver value) {
            this.observer = value;
            return this;
        }

        public Builder connectGate(ConnectGate value) {
            this.connectGate = value;
            return this;
        }

        public Builder connectBackoff(ConnectBackoff value) {
            this.connectBackoff = value;
            return this;
        }

        public MilterClientSettings build() {
            return new MilterClientSettings(name, connectTimeout, writeTimeout, readTimeout, eomTimeout,
                    maxFrameLength, defaultAction, offeredVersion, offeredActions, offeredProtocol, observer,
                    connectGate, connectBackoff);
        }
    }
}
