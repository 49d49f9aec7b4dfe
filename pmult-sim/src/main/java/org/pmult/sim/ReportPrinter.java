package org.pmult.sim;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.pmult.sim.engine.CommandResult;
import org.pmult.sim.engine.ExpectationResult;
import org.pmult.sim.engine.SessionEnd;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.engine.SimulationReport;
import org.pmult.sim.scenario.ScenarioWords;

/**
 * Prints a run's results: one line per command ({@code S1 rcpt <b@x> -> REJECT 550 5.1.1 No}), its
 * modifications indented below, how a session ended when it did not run to the end, each failed
 * expectation, and a summary. Quiet mode prints only failures and the summary.
 */
final class ReportPrinter {

    private final PrintWriter out;
    private final boolean quiet;

    ReportPrinter(PrintWriter out, boolean quiet) {
        this.out = out;
        this.quiet = quiet;
    }

    void print(SimulationReport report, int connections) {
        List<CommandResult> unexpected = report.unexpectedFailures();
        for (SessionResult session : report.sessions()) {
            print(session, unexpected);
        }
        long failedExpectations = report.failedExpectations().size();
        out.printf(Locale.ROOT, "summary: %d sessions, %d commands, %d failure-rule verdicts (%d unexpected); "
                        + "%d expectations, %d failed; %d pmilter connection attempt(s); %.3f s; %s%n",
                report.sessions().size(), report.commandCount(), report.synthesized().size(), unexpected.size(),
                report.expectationCount(), failedExpectations, connections,
                report.duration().toNanos() / 1e9, report.passed() ? "PASS" : "FAIL");
        out.flush();
    }

    private void print(SessionResult session, List<CommandResult> unexpected) {
        for (CommandResult command : session.commands()) {
            boolean failure = unexpected.contains(command);
            if (!quiet || failure) {
                out.println(session.seid() + " " + command.request() + " -> " + verdict(command) + notes(command)
                        + (failure ? "  [UNEXPECTED FAILURE]" : ""));
                if (!quiet) {
                    for (String modification : command.describedModifications()) {
                        out.println(session.seid() + "     " + modification);
                    }
                }
            }
        }
        if (session.end() != SessionEnd.COMPLETED && !quiet) {
            out.println(session.seid() + " session ended: " + describe(session.end()));
        }
        for (ExpectationResult check : session.expectations()) {
            if (!check.passed()) {
                out.println(session.seid() + " line " + check.expectation().line() + ": " + check.expectation().describe()
                        + ": FAILED, " + check.detail());
            }
        }
    }

    static String verdict(CommandResult command) {
        String text = command.text() == null ? "" : " " + command.text().replace("\r\n", " | ");
        return ScenarioWords.verdictWord(command.code()).toUpperCase(Locale.ROOT) + text;
    }

    private static String notes(CommandResult command) {
        String note = switch (command.source()) {
            case PMILTER -> "";
            case NOT_REQUESTED -> " (stage not requested: not sent)";
            case ALREADY_DECIDED -> " (decided earlier: not sent)";
            case FAILURE_POLICY -> " (policy_milter failure rule after " + command.failure() + ": "
                    + command.failureDetail() + ")";
            case UNFILTERED -> " (unfiltered after a failure: not sent)";
            case SMTP -> " (answered by smtps: not sent)";
        };
        return note + (command.resynchronised() ? " (over a fresh connection)" : "");
    }

    private static String describe(SessionEnd end) {
        return switch (end) {
            case COMPLETED -> "completed";
            case REFUSED_AT_CONNECT -> "refused at connect by the pmilter";
            case SHUTDOWN -> "pmilter answered SHUTDOWN; smtps said 421 and closed the session";
            case ABORTED_BY_FAILURE_POLICY -> "policy_milter failure with flags abort; smtps said 421 and "
                    + "dropped the pmilter connection";
        };
    }
}
