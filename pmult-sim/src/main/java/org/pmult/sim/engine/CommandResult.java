package org.pmult.sim.engine;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;

/**
 * What happened to one step of a session.
 *
 * @param step            index of the step in {@code SessionScript.steps()}
 * @param line            its line in the scenario file (0 when built in code)
 * @param command         the pmilter command the step maps to (MSG for message content)
 * @param request         the step as the simulator prints it: {@code rcpt <bob@example.net>}, {@code message 1200 bytes}
 * @param code            the verdict smtps applied: the pmilter's, or CONTINUE for a stage not asked for, or
 *                        the one the failure rule made up; never ERROR
 * @param text            the SMTP reply text that goes with it (the pmilter's TEXT, the default for the code,
 *                        or smtps's own), or {@code null} when there is none (CONTINUE, ACCEPT, DISCARD)
 * @param modifications   the DOT reply's modifications, in order; empty for every other command
 * @param source          where the verdict came from
 * @param failure         why the failure rule applied, or {@code null}
 * @param failureDetail   the failure as logged, or {@code null}
 * @param resynchronised  sent over a fresh connection after the session was replayed there (no flag set, §10.9)
 * @param latency         from asking to the verdict
 */
public record CommandResult(int step, int line, Command command, String request, ReplyCode code, String text,
        List<PmilterModification> modifications, ReplySource source, PmilterFailure failure, String failureDetail,
        boolean resynchronised, Duration latency) {

    public CommandResult {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(code, "code");
        if (code == ReplyCode.ERROR) {
            throw new IllegalArgumentException("code: ERROR (expected: the verdict smtps applied)");
        }
        modifications = List.copyOf(modifications);
        Objects.requireNonNull(source, "source");
        if ((failure != null) != (source == ReplySource.FAILURE_POLICY)) {
            throw new IllegalArgumentException("failure " + failure + " with source " + source
                    + " (expected: a failure exactly when the source is FAILURE_POLICY)");
        }
        Objects.requireNonNull(latency, "latency");
    }

    /** Whether smtps's failure rule (§10.9) made this verdict up. */
    public boolean synthesized() {
        return source == ReplySource.FAILURE_POLICY;
    }

    /** Whether the pmilter actually answered this command. */
    public boolean fromPmilter() {
        return source == ReplySource.PMILTER;
    }

    /** The reply text, or "" when there is none. */
    public String textOrEmpty() {
        return text == null ? "" : text;
    }

    /** The modifications as the simulator prints them ({@code +header X-Scanned: yes}). */
    public List<String> describedModifications() {
        return modifications.stream().map(ModificationFormat::describe).toList();
    }
}
