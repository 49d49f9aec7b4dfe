package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCommand;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/** Writes a {@link PmilterResponse} as one complete message (§10.4). Stateless; checks no length bound. */
public final class PmilterResponseWriter {

    private PmilterResponseWriter() {
    }

    /** Appends the whole message, length prefix included, to {@code out}. */
    public static void write(PmilterResponse response, ByteBuf out) {
        if (response instanceof PmilterResponse.NegotiateReply r) {
            int start = PmilterEntryWriter.begin(out, ReplyCommand.NEGOTIATE_REPLY.value());
            PmilterEntryWriter.writeInt(out, Tag.CAPS, r.caps());
            PmilterEntryWriter.writeInt(out, Tag.MAXSESS, r.maxSessions());
            PmilterEntryWriter.writeMacroRequests(out, r.macroRequests());
            PmilterEntryWriter.end(out, start);
        } else if (response instanceof PmilterResponse.Reply r) {
            int start = PmilterEntryWriter.begin(out, ReplyCommand.REPLY.value());
            PmilterEntryWriter.writeString(out, Tag.SEID, r.seid());
            PmilterEntryWriter.writeInt(out, Tag.RCODE, r.code().value());
            if (r.text() != null) {
                PmilterEntryWriter.writeString(out, Tag.TEXT, r.text());
            }
            for (PmilterModification modification : r.modifications()) {
                writeModification(out, modification);
            }
            PmilterEntryWriter.end(out, start);
        } else if (response instanceof PmilterResponse.PingReply) {
            int start = PmilterEntryWriter.begin(out, ReplyCommand.REPLY.value());
            PmilterEntryWriter.writeInt(out, Tag.RCODE, ReplyCode.CONTINUE.value());
            PmilterEntryWriter.end(out, start);
        } else if (response instanceof PmilterResponse.UnknownReply r) {
            int start = PmilterEntryWriter.begin(out, (int) r.code());
            if (r.seid() != null) {
                PmilterEntryWriter.writeString(out, Tag.SEID, r.seid());
            }
            PmilterEntryWriter.end(out, start);
        }
    }

    private static void writeModification(ByteBuf out, PmilterModification modification) {
        PmilterEntryWriter.writeInt(out, Tag.MOD, modification.kind().value());
        if (modification instanceof PmilterModification.AddHeader m) {
            PmilterEntryWriter.writeString(out, Tag.MOD_NAME, m.name());
            PmilterEntryWriter.writeString(out, Tag.MOD_VALUE, m.value());
        } else if (modification instanceof PmilterModification.InsertHeader m) {
            PmilterEntryWriter.writeInt(out, Tag.MOD_IDX, m.index());
            PmilterEntryWriter.writeString(out, Tag.MOD_NAME, m.name());
            PmilterEntryWriter.writeString(out, Tag.MOD_VALUE, m.value());
        } else if (modification instanceof PmilterModification.ChangeHeader m) {
            PmilterEntryWriter.writeInt(out, Tag.MOD_IDX, m.index());
            PmilterEntryWriter.writeString(out, Tag.MOD_NAME, m.name());
            PmilterEntryWriter.writeString(out, Tag.MOD_VALUE, m.value());
        } else if (modification instanceof PmilterModification.AddRecipient m) {
            PmilterEntryWriter.writeString(out, Tag.MOD_VALUE, m.address());
        } else if (modification instanceof PmilterModification.DeleteRecipient m) {
            PmilterEntryWriter.writeString(out, Tag.MOD_VALUE, m.address());
        } else if (modification instanceof PmilterModification.ReplaceBody m) {
            writeBody(out, m.bodyUnsafe());
        } else if (modification instanceof PmilterModification.ChangeSender m) {
            PmilterEntryWriter.writeString(out, Tag.MOD_VALUE, m.address());
        }
    }

    /** A body goes out in MOD_VALUE pieces of at most one CHUNK each; an empty body as one empty piece. */
    private static void writeBody(ByteBuf out, byte[] body) {
        int offset = 0;
        do {
            int length = Math.min(PmilterCodes.MAX_CHUNK_LENGTH, body.length - offset);
            PmilterEntryWriter.writeBytes(out, Tag.MOD_VALUE, body, offset, length);
            offset += length;
        } while (offset < body.length);
    }
}
