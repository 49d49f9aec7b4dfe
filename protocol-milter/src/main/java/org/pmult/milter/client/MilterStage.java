package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCodes.Command;

import java.util.Locale;

/**
 * The stages of a Milter conversation, named as everywhere in pmult (method names, metric tags,
 * log lines, config keys), each with the command that carries it.
 */
public enum MilterStage {
    NEGOTIATE(Command.OPTNEG),
    CONNECT(Command.CONNECT),
    HELO(Command.HELO),
    MAIL(Command.MAIL),
    RCPT(Command.RCPT),
    DATA(Command.DATA),
    HEADER(Command.HEADER),
    EOH(Command.EOH),
    BODY(Command.BODY),
    EOM(Command.BODYEOB),
    ABORT(Command.ABORT),
    CLOSE(Command.QUIT),
    UNKNOWN(Command.UNKNOWN);

    private final Command command;
    private final String tag;

    MilterStage(Command command) {
        this.command = command;
        this.tag = name().toLowerCase(Locale.ROOT);
    }

    /** The command sent for this stage. */
    public Command command() {
        return command;
    }

    /** The lower-case name used in metric tags, log lines and config keys, e.g. {@code rcpt}. */
    public String tag() {
        return tag;
    }
}
