package org.pmult.sim.engine;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.pmult.pmilter.codec.PmilterCodes.Command;

/**
 * What happened in one SMTP session.
 *
 * @param name         the scenario's session name
 * @param seid         the SEID used on the wire ({@code name}, or {@code name.N} when repeated)
 * @param commands     one result per step that was reached, in order (macro steps have none)
 * @param end          how the session ended
 * @param expectations one result per {@code expect} line of the session
 * @param duration     from the first command to the end
 */
public record SessionResult(String name, String seid, List<CommandResult> commands, SessionEnd end,
        List<ExpectationResult> expectations, Duration duration) {

    public SessionResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(seid, "seid");
        commands = List.copyOf(commands);
        Objects.requireNonNull(end, "end");
        expectations = List.copyOf(expectations);
        Objects.requireNonNull(duration, "duration");
    }

    /** The result of scenario step {@code step}, if it was reached. */
    public Optional<CommandResult> forStep(int step) {
        return commands.stream().filter(c -> c.step() == step).findFirst();
    }

    /** Every result for {@code command}, in order. */
    public List<CommandResult> all(Command command) {
        return commands.stream().filter(c -> c.command() == command).toList();
    }

    /** The first result for {@code command}; fails if there is none. */
    public CommandResult first(Command command) {
        return commands.stream().filter(c -> c.command() == command).findFirst()
                .orElseThrow(() -> new IllegalStateException("session " + seid + " has no " + command + " result; "
                        + "it has " + commands.stream().map(CommandResult::request).toList()));
    }

    /** The result whose printed request is {@code request} (e.g. {@code rcpt <bob@example.net>}); fails if none. */
    public CommandResult byRequest(String request) {
        return commands.stream().filter(c -> c.request().equals(request)).findFirst()
                .orElseThrow(() -> new IllegalStateException("session " + seid + " has no result for \"" + request
                        + "\"; it has " + commands.stream().map(CommandResult::request).toList()));
    }

    /** The commands whose verdict the failure rule made up. */
    public List<CommandResult> synthesized() {
        return commands.stream().filter(CommandResult::synthesized).toList();
    }

    public boolean expectationsMet() {
        return expectations.stream().allMatch(ExpectationResult::passed);
    }
}
