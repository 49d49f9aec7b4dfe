package org.pmult.sim.scenario;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

/**
 * One SMTP session of a scenario: its name (the SEID, with {@code .N} appended when repeated), the
 * steps in order (a {@link SessionStep.Connect} first, after any macros known from the start; a
 * {@link SessionStep.Close} last) and the expectations on their replies.
 */
public record SessionScript(String name, List<SessionStep> steps, List<Expectation> expectations) {

    public SessionScript {
        ScenarioChecks.sessionName(name);
        steps = List.copyOf(steps);
        expectations = List.copyOf(expectations);
    }

    /** Starts a session called {@code name} (1..48 bytes, no white space). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The CONNECT step. */
    public SessionStep.Connect connect() {
        for (SessionStep step : steps) {
            if (step instanceof SessionStep.Connect connect) {
                return connect;
            }
        }
        throw new IllegalStateException("session " + name + " has no connect step");
    }

    /**
     * Builds a session in SMTP order and refuses steps out of order (rcpt before mail, ehlo inside a
     * transaction, …) with an {@link IllegalStateException} that says what was expected.
     * {@link #line(int)} sets the scenario line recorded with the following steps.
     */
    public static final class Builder {

        /** Where the session stands, as far as the script's order goes. */
        private enum Phase {
            /** Only macros so far; the connect step is added before the first other step. */
            BEFORE_CONNECT,
            /** Connected, no transaction. */
            SESSION,
            /** After mail, before the first rcpt. */
            MAIL_GIVEN,
            /** After at least one rcpt. */
            RECIPIENTS,
            /** After data or message content. */
            MESSAGE,
            /** After close: nothing may follow. */
            CLOSED
        }

        private static final InetAddress DEFAULT_CLIENT = InetAddress.getLoopbackAddress();

        private final String name;
        private final List<SessionStep> steps = new ArrayList<>();
        private final List<Expectation> expectations = new ArrayList<>();
        private InetAddress clientAddress = DEFAULT_CLIENT;
        private int clientPort;
        private String clientName = "";
        private int clientLine;
        private Phase phase = Phase.BEFORE_CONNECT;
        private int line;
        /** Index of the last step that gets a reply, or -1. */
        private int lastReplyStep = -1;

        private Builder(String name) {
            ScenarioChecks.sessionName(name);
            this.name = name;
        }

        /** The scenario line recorded with the steps that follow. */
        public Builder line(int line) {
            this.line = line;
            return this;
        }

        /** The SMTP client: address, port (0 if unknown) and host name as MeTA1 resolved it ("" if none). */
        public Builder client(InetAddress address, int port, String hostName) {
            if (phase != Phase.BEFORE_CONNECT) {
                throw new IllegalStateException("client after the session has started (expected: before any step)");
            }
            this.clientAddress = Objects.requireNonNull(address, "address");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("client port: " + port + " (expected: 0..65535)");
            }
            this.clientPort = port;
            this.clientName = Objects.requireNonNull(hostName, "hostName");
            this.clientLine = line;
            return this;
        }

        /**
         * smtps learns a macro value. Before the first step it is known from CONNECT on; later it is
         * known from the next step on.
         */
        public Builder macro(Macro macro, String value) {
            return macro(macro.id(), value);
        }

        /** A macro by raw id (for ids this profile does not name). */
        public Builder macro(int macroId, String value) {
            requireOpen("macro");
            steps.add(new SessionStep.SetMacro(line, macroId, value));
            return this;
        }

        public Builder ehlo(String argument) {
            return greeting(HeloKind.EHLO, argument);
        }

        public Builder helo(String argument) {
            return greeting(HeloKind.HELO, argument);
        }

        private Builder greeting(HeloKind kind, String argument) {
            String word = kind == HeloKind.EHLO ? "ehlo" : "helo";
            connected(word);
            if (phase != Phase.SESSION) {
                throw new IllegalStateException(word + " inside a transaction (expected: dot or abort first)");
            }
            return add(new SessionStep.Ehlo(line, kind, argument));
        }

        public Builder mail(String reversePath) {
            return mail(reversePath, null);
        }

        /** @param esmtpArgs space-separated ESMTP parameters, or {@code null} */
        public Builder mail(String reversePath, String esmtpArgs) {
            connected("mail");
            if (phase != Phase.SESSION) {
                throw new IllegalStateException("mail inside a transaction (expected: dot or abort first)");
            }
            add(new SessionStep.Mail(line, reversePath, esmtpArgs));
            phase = Phase.MAIL_GIVEN;
            return this;
        }

        public Builder rcpt(String forwardPath) {
            return rcpt(forwardPath, null);
        }

        /** @param esmtpArgs space-separated ESMTP parameters, or {@code null} */
        public Builder rcpt(String forwardPath, String esmtpArgs) {
            connected("rcpt");
            if (phase != Phase.MAIL_GIVEN && phase != Phase.RECIPIENTS) {
                throw new IllegalStateException("rcpt " + where() + " (expected: after mail or rcpt)");
            }
            add(new SessionStep.Rcpt(line, forwardPath, esmtpArgs));
            phase = Phase.RECIPIENTS;
            return this;
        }

        public Builder data() {
            connected("data");
            if (phase != Phase.RECIPIENTS) {
                throw new IllegalStateException("data " + where() + " (expected: after at least one rcpt)");
            }
            add(new SessionStep.Data(line));
            phase = Phase.MESSAGE;
            return this;
        }

        /** Message content as given; line ends become CRLF (see {@link MessageText#toCrlf}). */
        public Builder message(byte[] content) {
            connected("message");
            if (phase != Phase.MESSAGE) {
                throw new IllegalStateException("message " + where() + " (expected: after data)");
            }
            return add(new SessionStep.Message(line, MessageText.toCrlf(content)));
        }

        /** Message content as UTF-8 text; line ends become CRLF. */
        public Builder message(String content) {
            return message(content.getBytes(StandardCharsets.UTF_8));
        }

        public Builder dot() {
            connected("dot");
            if (phase != Phase.MESSAGE) {
                throw new IllegalStateException("dot " + where() + " (expected: after data)");
            }
            add(new SessionStep.Dot(line));
            phase = Phase.SESSION;
            return this;
        }

        /** RSET: ends the transaction, if any. */
        public Builder abort() {
            connected("abort");
            add(new SessionStep.Abort(line));
            phase = Phase.SESSION;
            return this;
        }

        public Builder unknown(String commandLine) {
            connected("unknown");
            if (phase == Phase.MESSAGE) {
                throw new IllegalStateException("unknown during the message (expected: dot or abort first)");
            }
            return add(new SessionStep.Unknown(line, commandLine));
        }

        /** QUIT; added by {@link #build()} if missing. */
        public Builder close() {
            connected("close");
            steps.add(new SessionStep.Close(line));
            phase = Phase.CLOSED;
            return this;
        }

        /**
         * Expects the reply to the last step that has one to carry {@code code}, and, unless
         * {@code textPattern} is {@code null}, an SMTP text matching it ("" when smtps has none).
         */
        public Builder expect(ReplyCode code, String textPattern) {
            expectations.add(new Expectation.Verdict(replyStep("expect"), line, code,
                    textPattern == null ? null : Glob.of(textPattern)));
            return this;
        }

        /** Expects some modification of the last reply, printed as the simulator prints it, to match. */
        public Builder expectModification(String pattern) {
            expectations.add(new Expectation.Modification(replyStep("expect modification"), line, Glob.of(pattern)));
            return this;
        }

        public SessionScript build() {
            if (phase == Phase.BEFORE_CONNECT) {
                addConnect();
            }
            if (phase != Phase.CLOSED) {
                steps.add(new SessionStep.Close(line));
            }
            return new SessionScript(name, steps, expectations);
        }

        private int replyStep(String what) {
            if (phase == Phase.CLOSED) {
                throw new IllegalStateException(what + " after close (expected: after a step that gets a reply)");
            }
            if (phase == Phase.BEFORE_CONNECT) {
                addConnect();
            }
            return lastReplyStep;
        }

        private Builder add(SessionStep step) {
            steps.add(step);
            lastReplyStep = steps.size() - 1;
            return this;
        }

        private void connected(String word) {
            requireOpen(word);
            if (phase == Phase.BEFORE_CONNECT) {
                addConnect();
            }
        }

        private void addConnect() {
            steps.add(new SessionStep.Connect(clientLine, clientAddress, clientPort, clientName));
            lastReplyStep = steps.size() - 1;
            phase = Phase.SESSION;
        }

        private void requireOpen(String word) {
            if (phase == Phase.CLOSED) {
                throw new IllegalStateException(word + " after close (expected: close to be the last step)");
            }
        }

        private String where() {
            return switch (phase) {
                case BEFORE_CONNECT, SESSION -> "outside a transaction";
                case MAIL_GIVEN -> "right after mail";
                case RECIPIENTS -> "after rcpt";
                case MESSAGE -> "during the message";
                case CLOSED -> "after close";
            };
        }
    }
}
