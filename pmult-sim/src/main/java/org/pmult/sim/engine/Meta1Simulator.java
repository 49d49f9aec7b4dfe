package org.pmult.sim.engine;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.server.transport.Transports;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;

/**
 * A stand-in for MeTA1's smtps as a policy_milter client: connects to a pmilter (inet or unix),
 * negotiates every stage and modification, and plays scenario sessions on that one connection,
 * reconnecting as {@code policy_milter.flags} says after a failure (§10.9).
 *
 * <pre>{@code
 * Meta1PolicyMilterConfig config = new Meta1PolicyMilterConfig(address, Duration.ofMillis(300),
 *         FailurePolicy.ABORT, "test");
 * try (Meta1Simulator simulator = new Meta1Simulator(SimulatorSettings.of(config))) {
 *     SimulationReport report = simulator.run(scenario, RunOptions.SEQUENTIAL).get(10, SECONDS);
 *     CommandResult rcpt = report.session("S1").byRequest("rcpt <blocked@example.net>");
 *     assertEquals(ReplyCode.REJECT, rcpt.code());
 * }
 * }</pre>
 *
 * Thread-safe; runs may overlap (they share the connection, so their SEIDs must differ).
 */
public final class Meta1Simulator implements AutoCloseable {

    private final SimulatorSettings settings;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final PolicyMilterLink link;

    /** A simulator with its own single-threaded event loop, on the best transport of this JVM. */
    public Meta1Simulator(SimulatorSettings settings) {
        this(settings, Transports.best(), null);
    }

    /**
     * A simulator on a caller's event loop group (which it does not shut down), e.g. one shared with a
     * load generator.
     *
     * @param transport the transport {@code group} was made by
     * @param group     the event loops for the pmilter connection, or {@code null} for an own single thread
     */
    public Meta1Simulator(SimulatorSettings settings, Transports transport, EventLoopGroup group) {
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(transport, "transport");
        this.ownsGroup = group == null;
        this.group = group != null ? group
                : transport.newEventLoopGroup(1, new DefaultThreadFactory("pmult-sim", true));
        SocketAddress address = settings.policyMilter().address();
        this.link = new PolicyMilterLink(transport.clientBootstrap(this.group, address), transport.nettyAddress(address),
                settings);
    }

    public SimulatorSettings settings() {
        return settings;
    }

    /**
     * Plays every session of {@code scenario}; completes when all have ended, with their results in
     * scenario order. Completes exceptionally only on a simulator bug; pmilter failures are results.
     */
    public CompletableFuture<SimulationReport> run(Scenario scenario, RunOptions options) {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(options, "options");
        checkSeidLength(scenario, options);
        return new SessionScheduler(scenario, options, link, this::play).start();
    }

    /**
     * Plays one session under the given SEID (1..64 bytes, unique among sessions in flight); the
     * building block of {@link #run} and of load generators.
     */
    public CompletableFuture<SessionResult> play(SessionScript script, String seid) {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(seid, "seid");
        return new SessionPlayer(script, seid, link, settings).play();
    }

    /** How many connections to the pmilter have been opened (or tried) so far: 1 plus the reconnects. */
    public int connectionCount() {
        return link.connectionCount();
    }

    /** Closes the pmilter connection and, if the simulator made its own, the event loop. */
    @Override
    public void close() {
        link.close();
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void checkSeidLength(Scenario scenario, RunOptions options) {
        int suffix = options.repeat() == 1 ? 0 : 1 + Integer.toString(options.repeat()).length();
        for (SessionScript session : scenario.sessions()) {
            int length = session.name().getBytes(PmilterCodes.STRING_CHARSET).length + suffix;
            if (length > PmilterCodes.MAX_SEID_LENGTH) {
                throw new IllegalArgumentException("session " + session.name() + ": SEID of " + length
                        + " bytes with repeat " + options.repeat() + " (expected: <= " + PmilterCodes.MAX_SEID_LENGTH + ")");
            }
        }
    }
}
