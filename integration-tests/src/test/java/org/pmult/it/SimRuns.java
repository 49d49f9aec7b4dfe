package org.pmult.it;

import io.netty.channel.unix.DomainSocketAddress;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.CommandResult;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.RunOptions;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.engine.SimulationReport;
import org.pmult.sim.engine.SimulatorSettings;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.meta1.Meta1PolicyMilterConfig;
import org.pmult.sim.scenario.Scenario;
import org.pmult.sim.scenario.SessionScript;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Driving pmult through the MeTA1 simulator library ({@code org.pmult.sim.engine}) in the
 * integration tests: a simulator pointed at a pmult harness, runs with a bounded wait, and
 * assertions that print the whole session transcript when they fail.
 */
final class SimRuns {

    /** Longest wait for a whole run; far above any run's real duration, so only a hang trips it. */
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    private SimRuns() {
    }

    /** Where MeTA1 reaches the harness's first listen socket, as the simulator's config wants it. */
    static SocketAddress meta1Address(PmultHarness pmult) {
        SocketAddress bound = pmult.server().boundAddresses().get(0);
        if (bound instanceof DomainSocketAddress netty) {
            return UnixDomainSocketAddress.of(netty.path());
        }
        if (bound instanceof InetSocketAddress || bound instanceof UnixDomainSocketAddress) {
            return bound;
        }
        throw new IllegalStateException("pmult listens on " + bound.getClass().getName() + " " + bound);
    }

    /** A simulator (smtps's policy_milter client) for {@code pmult} with this reply timeout and flags. */
    static Meta1Simulator simulator(PmultHarness pmult, FailurePolicy policy, Duration timeout) {
        return simulator(meta1Address(pmult), policy, timeout);
    }

    static Meta1Simulator simulator(SocketAddress address, FailurePolicy policy, Duration timeout) {
        return new Meta1Simulator(SimulatorSettings.of(new Meta1PolicyMilterConfig(address, timeout, policy, "test")));
    }

    /** Plays the sessions one after the other and waits (bounded) for the report. */
    static SimulationReport play(Meta1Simulator simulator, SessionScript... sessions) {
        return await(simulator.run(Scenario.of(sessions), RunOptions.SEQUENTIAL));
    }

    /** Plays one session and returns its result. */
    static SessionResult playOne(Meta1Simulator simulator, SessionScript session) {
        return play(simulator, session).session(session.name());
    }

    static <T> T await(CompletableFuture<T> run) {
        try {
            return run.get(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the simulator did not finish within " + RUN_TIMEOUT, e);
        } catch (ExecutionException e) {
            throw new AssertionError("the simulator failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the simulator", e);
        }
    }

    /** The session as pmult-sim would print it, one command a line, for failure messages. */
    static String transcript(SessionResult session) {
        return session.commands().stream().map(SimRuns::line)
                .collect(Collectors.joining("\n  ", "session " + session.seid() + " (" + session.end() + "):\n  ", ""));
    }

    private static String line(CommandResult command) {
        StringBuilder line = new StringBuilder(command.request()).append(" -> ").append(command.code());
        if (command.text() != null) {
            line.append(' ').append(command.text());
        }
        line.append(" [").append(command.source());
        if (command.failure() != null) {
            line.append(' ').append(command.failure());
        }
        if (command.resynchronised()) {
            line.append(", over a fresh connection");
        }
        line.append(']');
        for (String modification : command.describedModifications()) {
            line.append(" ").append(modification);
        }
        return line.toString();
    }

    /** Asserts that pmult itself answered {@code request} with this verdict and exactly this text. */
    static CommandResult assertFromPmult(SessionResult session, String request, ReplyCode code, String text) {
        CommandResult result = session.byRequest(request);
        assertEquals(code, result.code(), () -> request + "\n" + transcript(session));
        assertEquals(text, result.text(), () -> request + "\n" + transcript(session));
        assertFalse(result.synthesized(), () -> request + ": made up by the failure rule\n" + transcript(session));
        return result;
    }

    /** The modifications of the session's DOT reply, as pmult-sim prints them. */
    static List<String> dotModifications(SessionResult session) {
        return session.byRequest("dot").describedModifications();
    }

    /** A message with this subject, CRLF line ends added by the script builder. */
    static String message(String subject, String body) {
        return "From: <alice@sim.example>\nTo: <bob@sim.example>\nSubject: " + subject + "\n\n" + body + "\n";
    }
}
