package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/** Writes a {@link PmilterRequest} as one complete message (§10.3). Stateless; checks no length bound. */
public final class PmilterRequestWriter {

    private PmilterRequestWriter() {
    }

    /** Appends the whole message, length prefix included, to {@code out}; a MSG chunk is copied, not released. */
    public static void write(PmilterRequest request, ByteBuf out) {
        if (request instanceof PmilterRequest.UnknownCommand unknown) {
            int start = PmilterEntryWriter.begin(out, (int) unknown.code());
            if (unknown.seid() != null) {
                PmilterEntryWriter.writeString(out, Tag.SEID, unknown.seid());
            }
            PmilterEntryWriter.end(out, start);
            return;
        }
        Command command = commandOf(request);
        int start = PmilterEntryWriter.begin(out, command.value());
        if (request instanceof PmilterRequest.SessionRequest session) {
            PmilterEntryWriter.writeString(out, Tag.SEID, session.seid());
        }
        writeBody(request, out);
        PmilterEntryWriter.end(out, start);
    }

    /**
     * Writes PROT, CMD and SEID of a MSG and the header of its CHUNK entry, with L already covering
     * the chunk bytes, so the encoder can send the chunk itself without copying it.
     */
    static void writeMsgHeader(PmilterRequest.Msg msg, ByteBuf out) {
        int start = PmilterEntryWriter.begin(out, Command.MSG.value());
        PmilterEntryWriter.writeString(out, Tag.SEID, msg.seid());
        out.writeInt(msg.chunk().readableBytes());
        out.writeInt(Tag.CHUNK.value());
        out.setInt(start, out.writerIndex() - start - PmilterCodes.LENGTH_FIELD_LENGTH + msg.chunk().readableBytes());
    }

    static Command commandOf(PmilterRequest request) {
        if (request instanceof PmilterRequest.SessionRequest session) {
            return session.command();
        }
        if (request instanceof PmilterRequest.Negotiate) {
            return Command.NEGOTIATE;
        }
        if (request instanceof PmilterRequest.Ping) {
            return Command.PING;
        }
        throw new IllegalArgumentException("no command for " + request);
    }

    private static void writeBody(PmilterRequest request, ByteBuf out) {
        if (request instanceof PmilterRequest.Negotiate r) {
            PmilterEntryWriter.writeInt(out, Tag.CAPS, r.caps());
            PmilterEntryWriter.writeInt(out, Tag.MAXSESS, r.maxSessions());
        } else if (request instanceof PmilterRequest.Connect r) {
            PmilterEntryWriter.writeAddress(out, r.clientAddress());
            PmilterEntryWriter.writeInt(out, Tag.CLT_PORT, r.port());
            PmilterEntryWriter.writeString(out, Tag.CLT_NAME, r.clientName());
            PmilterEntryWriter.writeMacros(out, r.macros());
        } else if (request instanceof PmilterRequest.Ehlo r) {
            PmilterEntryWriter.writeString(out, Tag.HELO, r.heloArg());
            PmilterEntryWriter.writeInt(out, Tag.HELO_KIND, r.kind().value());
            PmilterEntryWriter.writeMacros(out, r.macros());
        } else if (request instanceof PmilterRequest.Mail r) {
            PmilterEntryWriter.writeString(out, Tag.MAIL, r.reversePath());
            if (r.esmtpArgs() != null) {
                PmilterEntryWriter.writeString(out, Tag.ARGS, r.esmtpArgs());
            }
            PmilterEntryWriter.writeMacros(out, r.macros());
        } else if (request instanceof PmilterRequest.Rcpt r) {
            PmilterEntryWriter.writeString(out, Tag.RCPT, r.forwardPath());
            PmilterEntryWriter.writeInt(out, Tag.RCPT_IDX, r.index());
            if (r.esmtpArgs() != null) {
                PmilterEntryWriter.writeString(out, Tag.ARGS, r.esmtpArgs());
            }
            PmilterEntryWriter.writeMacros(out, r.macros());
        } else if (request instanceof PmilterRequest.Data r) {
            PmilterEntryWriter.writeMacros(out, r.macros());
        } else if (request instanceof PmilterRequest.Msg r) {
            PmilterEntryWriter.writeBytes(out, Tag.CHUNK, r.chunk());
        } else if (request instanceof PmilterRequest.Dot r) {
            PmilterEntryWriter.writeMacros(out, r.macros());
        } else if (request instanceof PmilterRequest.Unknown r) {
            PmilterEntryWriter.writeString(out, Tag.UNKNOWN, r.line());
        }
        // Abort, Close and Ping have nothing after PROT, CMD (and SEID).
    }
}
