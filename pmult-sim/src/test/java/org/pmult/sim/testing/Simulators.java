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

    /**
     * The reply timeout the failure tests use: short, so each timeout costs little, yet long enough
     * that a busy two-core machine answers every command that is not meant to hang.
     */
    public static final Duration TIMEOUT = Duration.ofMillis(500);

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

    /**
     * Plays one full session against a scripted pmilter with a generous timeout, so class loading and
     * JIT warm-up do not count against the short {@link #TIMEOUT} of the tests that follow.
     */
    public static void warmUp() throws Exception {
        try (ScriptedPmilter pmilter = ScriptedPmilter.startInet();
             Meta1Simulator simulator = simulator(pmilter.address(), FailurePolicy.ABORT, Duration.ofSeconds(30))) {
            run(simulator, scenario("session W\n ehlo w\n mail <a@b>\n rcpt <c@d>\n data\n message\nx\n.\n dot\n"));
        }
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
