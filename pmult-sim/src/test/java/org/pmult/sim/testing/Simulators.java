package org.pmult.sim.testing;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.RunOptions;
import org.pmult.sim.engine.SimulationReport;
import org.pmult.sim.engine.SimulatorSettings;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.meta1.Meta1PolicyMilterConfig;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.ScenarioException;
import org.pmult.sim.scenario.ScenarioParser;

/** Builds simulators and scenarios for tests. */
public final class Simulators {

    /** The reply timeout the failure tests use: short, so each timeout costs little. */
    public static final Duration TIMEOUT = Duration.ofMillis(300);

    private Simulators() {
    }

    public static Meta1Simulator simulator(SocketAddress address, FailurePolicy policy) {
        return simulator(address, policy, TIMEOUT);
    }

    public static Meta1Simulator simulator(SocketAddress address, FailurePolicy policy, Duration timeout) {
        return new Meta1Simulator(settings(address, policy, timeout));
    }

    public static SimulatorSettings settings(SocketAddress address, FailurePolicy policy, Duration timeout) {
        return SimulatorSettings.of(new Meta1PolicyMilterConfig(address, timeout, policy, "test"));
    }

    /** Runs and waits (bounded: every simulator read has its own timeout, this only guards the test). */
    public static SimulationReport run(Meta1Simulator simulator, Scenario scenario, RunOptions options)
            throws Exception {
        return simulator.run(scenario, options).get(30, TimeUnit.SECONDS);
    }

    public static SimulationReport run(Meta1Simulator simulator, Scenario scenario) throws Exception {
        return run(simulator, scenario, RunOptions.SEQUENTIAL);
    }

    /** Parses scenario text (message files relative to the working directory). */
    public static Scenario scenario(String text) throws ScenarioException {
        return ScenarioParser.parse("test.scenario", text, Path.of("."));
    }
}
