package org.pmult.sim.load;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.server.transport.Transports;
import org.pmult.sim.engine.CommandResult;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.ReplySource;
import org.pmult.sim.engine.SessionEnd;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.engine.SimulatorSettings;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.meta1.Meta1PolicyMilterConfig;
import org.pmult.sim.scenario.SessionScript;

/**
 * Load through pmult: one {@link Meta1Simulator} per pmilter connection, all on the generator's event
 * loops, with slot {@code i} on connection {@code i mod connections} (as smtps spreads sessions over
 * its connections). A failed command follows MeTA1's rule without flags: 451, and a fresh connection.
 */
final class PmilterDriver implements TransactionDriver {

    private final Meta1Simulator[] simulators;
    private final SessionScript script;

    PmilterDriver(LoadOptions options, Transports transport, EventLoopGroup group) {
        Meta1PolicyMilterConfig config = new Meta1PolicyMilterConfig(options.address(), options.timeout(),
                FailurePolicy.TEMPFAIL, "load");
        SimulatorSettings settings = SimulatorSettings.of(config).withChunkSize(options.chunkSize())
                .withConnectTimeout(Duration.ofSeconds(10));
        this.simulators = new Meta1Simulator[options.connections()];
        for (int i = 0; i < simulators.length; i++) {
            simulators[i] = new Meta1Simulator(settings, transport, group);
        }
        this.script = options.transaction().script();
    }

    @Override
    public CompletableFuture<String> run(int slot, long sequence) {
        try {
            return simulators[slot % simulators.length].play(script, "L" + slot + "." + sequence)
                    .handle((result, error) -> error != null ? "simulator failure: " + error : problem(result));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture("simulator failure: " + e);
        }
    }

    /** {@code null} when every command was answered CONTINUE by the pmilter (or was not asked for). */
    static String problem(SessionResult result) {
        for (CommandResult command : result.commands()) {
            boolean asked = command.source() == ReplySource.PMILTER || command.source() == ReplySource.NOT_REQUESTED;
            if (!asked || command.code() != ReplyCode.CONTINUE) {
                return command.command() + " " + command.code()
                        + (command.failure() != null ? " (" + command.failure() + ")" : " from " + command.source());
            }
        }
        return result.end() == SessionEnd.COMPLETED ? null : "session " + result.end();
    }

    /** pmilter connections opened so far, over all simulators (more than {@code connections} means reconnects). */
    int connectionCount() {
        int count = 0;
        for (Meta1Simulator simulator : simulators) {
            count += simulator.connectionCount();
        }
        return count;
    }

    @Override
    public void close() {
        for (Meta1Simulator simulator : simulators) {
            simulator.close();
        }
    }
}
