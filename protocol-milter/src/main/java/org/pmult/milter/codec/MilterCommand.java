package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;

import java.util.List;
import java.util.Objects;

/**
 * A command the MTA sends to the filter ({@code SMFIC_*}), one immutable type per command. Only
 * {@link Body} holds a reference-counted buffer.
 */
public sealed interface MilterCommand {

    Data DATA = new Data();
    EndOfHeaders END_OF_HEADERS = new EndOfHeaders();
    EndOfMessage END_OF_MESSAGE = new EndOfMessage();
    Abort ABORT = new Abort();
    Quit QUIT = new Quit();
    QuitNewConnection QUIT_NEW_CONNECTION = new QuitNewConnection();

    /** The wire code of this command. */
    Command command();

    /** SMFIC_OPTNEG: the protocol version, actions and protocol flags the MTA offers. */
    record OptionNegotiation(int version, int actions, int protocol) implements MilterCommand {
        @Override
        public Command command() {
            return Command.OPTNEG;
        }

        @Override
        public String toString() {
            return "OptionNegotiation[version=" + version + ", actions=" + MilterCodes.ActionFlag.describe(actions)
                    + ", protocol=" + MilterCodes.ProtocolFlag.describe(protocol) + "]";
        }
    }

    /** SMFIC_MACRO: macro values sent just before the command {@code stage}; never answered. */
    record Macros(Command stage, MilterMacros macros) implements MilterCommand {
        public Macros {
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.MACRO;
        }
    }

    /**
     * SMFIC_CONNECT: the SMTP client's host name and address. For {@link AddressFamily#UNKNOWN} no
     * port or address goes on the wire, and they read back as 0 and "".
     */
    record Connect(String hostname, AddressFamily family, int port, String address) implements MilterCommand {
        public Connect {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(address, "address");
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            if (family == AddressFamily.UNKNOWN && (port != 0 || !address.isEmpty())) {
                throw new IllegalArgumentException("family SMFIA_UNKNOWN carries no port or address");
            }
        }

        /** A connection whose peer address is not known. */
        public static Connect unknown(String hostname) {
            return new Connect(hostname, AddressFamily.UNKNOWN, 0, "");
        }

        @Override
        public Command command() {
            return Command.CONNECT;
        }
    }

    /** SMFIC_HELO: the HELO/EHLO argument. */
    record Helo(String name) implements MilterCommand {
        public Helo {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public Command command() {
            return Command.HELO;
        }
    }

    /** SMFIC_MAIL: the sender (normally in angle brackets) and its ESMTP arguments. */
    record Mail(String sender, List<String> esmtpArgs) implements MilterCommand {
        public Mail {
            Objects.requireNonNull(sender, "sender");
            esmtpArgs = List.copyOf(esmtpArgs);
        }

        @Override
        public Command command() {
            return Command.MAIL;
        }
    }

    /** SMFIC_RCPT: one recipient and its ESMTP arguments. */
    record Rcpt(String recipient, List<String> esmtpArgs) implements MilterCommand {
        public Rcpt {
            Objects.requireNonNull(recipient, "recipient");
            esmtpArgs = List.copyOf(esmtpArgs);
        }

        @Override
        public Command command() {
            return Command.RCPT;
        }
    }

    /** SMFIC_DATA (v4+): the DATA command was accepted. */
    record Data() implements MilterCommand {
        @Override
        public Command command() {
            return Command.DATA;
        }
    }

    /** SMFIC_HEADER: one header field (value as the MTA saw it, without the trailing CRLF). */
    record Header(String name, String value) implements MilterCommand {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Command command() {
            return Command.HEADER;
        }
    }

    /** SMFIC_EOH: all headers were sent. */
    record EndOfHeaders() implements MilterCommand {
        @Override
        public Command command() {
            return Command.EOH;
        }
    }

    /**
     * SMFIC_BODY: one body chunk of at most {@link MilterCodes#MAX_BODY_CHUNK} bytes, CRLF line ends.
     * Reference counted: whoever receives it releases it (the encoder does when writing).
     */
    final class Body extends DefaultByteBufHolder implements MilterCommand {
        public Body(ByteBuf content) {
            super(requireChunk(content));
        }

        private static ByteBuf requireChunk(ByteBuf content) {
            if (content.readableBytes() > MilterCodes.MAX_BODY_CHUNK) {
                throw new IllegalArgumentException("body chunk: " + content.readableBytes()
                        + " bytes (expected: <= " + MilterCodes.MAX_BODY_CHUNK + "; split larger bodies)");
            }
            return content;
        }

        @Override
        public Command command() {
            return Command.BODY;
        }

        @Override
        public Body replace(ByteBuf content) {
            return new Body(content);
        }

        @Override
        public Body retain() {
            super.retain();
            return this;
        }

        @Override
        public Body touch(Object hint) {
            super.touch(hint);
            return this;
        }

        @Override
        public String toString() {
            return "Body[" + content().readableBytes() + " bytes]";
        }
    }

    /** SMFIC_BODYEOB: end of message; the filter answers with its modifications and a verdict. */
    record EndOfMessage() implements MilterCommand {
        @Override
        public Command command() {
            return Command.BODYEOB;
        }
    }

    /** SMFIC_ABORT: forget the current message, keep the connection; never answered. */
    record Abort() implements MilterCommand {
        @Override
        public Command command() {
            return Command.ABORT;
        }
    }

    /** SMFIC_QUIT: the MTA closes the filter connection; never answered. */
    record Quit() implements MilterCommand {
        @Override
        public Command command() {
            return Command.QUIT;
        }
    }

    /** SMFIC_QUIT_NC (v6): this SMTP session ended, the filter connection is kept for the next one. */
    record QuitNewConnection() implements MilterCommand {
        @Override
        public Command command() {
            return Command.QUIT_NC;
        }
    }

    /** SMFIC_UNKNOWN (v3+): an SMTP command the MTA does not know, as received. */
    record Unknown(String line) implements MilterCommand {
        public Unknown {
            Objects.requireNonNull(line, "line");
        }

        @Override
        public Command command() {
            return Command.UNKNOWN;
        }
    }
}
