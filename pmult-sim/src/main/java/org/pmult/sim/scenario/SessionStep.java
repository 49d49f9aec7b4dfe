package org.pmult.sim.scenario;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;

/**
 * One thing the SMTP client of a session does (or, for {@link SetMacro}, one value smtps learns).
 * Each step that smtps may pass to the pmilter names the pmilter {@link Command} it maps to.
 */
public sealed interface SessionStep {

    /** Line in the scenario file, 0 when built in code. */
    int line();

    /** The pmilter command this step maps to, or {@code null} for {@link SetMacro}. */
    Command command();

    /** The client connects: CONNECT. */
    record Connect(int line, InetAddress clientAddress, int clientPort, String clientName) implements SessionStep {
        public Connect {
            Objects.requireNonNull(clientAddress, "clientAddress");
            if (clientPort < 0 || clientPort > 65_535) {
                throw new IllegalArgumentException("client port: " + clientPort + " (expected: 0..65535)");
            }
            Objects.requireNonNull(clientName, "clientName");
        }

        @Override
        public Command command() {
            return Command.CONNECT;
        }
    }

    /** EHLO or HELO. */
    record Ehlo(int line, HeloKind kind, String argument) implements SessionStep {
        public Ehlo {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(argument, "argument");
        }

        @Override
        public Command command() {
            return Command.EHLO;
        }
    }

    /** MAIL FROM with the reverse-path in angle brackets and optional ESMTP parameters ({@code null} if none). */
    record Mail(int line, String reversePath, String esmtpArgs) implements SessionStep {
        public Mail {
            ScenarioChecks.path("MAIL", reversePath);
        }

        @Override
        public Command command() {
            return Command.MAIL;
        }
    }

    /** RCPT TO with the forward-path in angle brackets and optional ESMTP parameters ({@code null} if none). */
    record Rcpt(int line, String forwardPath, String esmtpArgs) implements SessionStep {
        public Rcpt {
            ScenarioChecks.path("RCPT", forwardPath);
            if (forwardPath.equals("<>")) {
                throw new IllegalArgumentException("RCPT: <> (expected: a recipient address)");
            }
        }

        @Override
        public Command command() {
            return Command.RCPT;
        }
    }

    /** The DATA command. */
    record Data(int line) implements SessionStep {
        @Override
        public Command command() {
            return Command.DATA;
        }
    }

    /**
     * Message content (headers and body, CRLF line ends, dot-unstuffed), sent as MSG chunks. Several
     * in a row are one message.
     */
    record Message(int line, byte[] content) implements SessionStep {
        public Message {
            content = Objects.requireNonNull(content, "content").clone();
        }

        /** The content; not a copy: do not modify. */
        @Override
        public byte[] content() {
            return content;
        }

        @Override
        public Command command() {
            return Command.MSG;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Message that && line == that.line && Arrays.equals(content, that.content);
        }

        @Override
        public int hashCode() {
            return 31 * line + Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return "Message[line=" + line + ", " + content.length + " bytes]";
        }
    }

    /** The final dot of the message. */
    record Dot(int line) implements SessionStep {
        @Override
        public Command command() {
            return Command.DOT;
        }
    }

    /** RSET (or smtps giving up on the transaction): ABORT. */
    record Abort(int line) implements SessionStep {
        @Override
        public Command command() {
            return Command.ABORT;
        }
    }

    /** A command line smtps does not know: UNKNOWN. */
    record Unknown(int line, String commandLine) implements SessionStep {
        public Unknown {
            Objects.requireNonNull(commandLine, "commandLine");
        }

        @Override
        public Command command() {
            return Command.UNKNOWN;
        }
    }

    /** QUIT or the client going away: CLOSE, which gets no reply. */
    record Close(int line) implements SessionStep {
        @Override
        public Command command() {
            return Command.CLOSE;
        }
    }

    /**
     * smtps now knows {@code value} for macro {@code macroId}: it is sent at every later stage whose
     * macro request names it (and where the macro is valid), until replaced.
     */
    record SetMacro(int line, int macroId, String value) implements SessionStep {
        public SetMacro {
            if (macroId < 0) {
                throw new IllegalArgumentException("macro id: " + macroId + " (expected: >= 0)");
            }
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Command command() {
            return null;
        }
    }
}
