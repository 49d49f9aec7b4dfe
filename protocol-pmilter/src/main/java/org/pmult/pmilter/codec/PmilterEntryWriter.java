package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.EncoderException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/** Writes messages entry by entry (§10.1); shared by both roles' writers. */
final class PmilterEntryWriter {

    private PmilterEntryWriter() {
    }

    /** Writes the length placeholder, PROT and CMD; returns the message start for {@link #end}. */
    static int begin(ByteBuf out, int command) {
        int start = out.writerIndex();
        out.writeInt(0);
        writeInt(out, Tag.PROT, PmilterCodes.PROFILE_VERSION);
        writeInt(out, Tag.CMD, command);
        return start;
    }

    /** Fills in L for the message that began at {@code start}. */
    static void end(ByteBuf out, int start) {
        out.setInt(start, out.writerIndex() - start - PmilterCodes.LENGTH_FIELD_LENGTH);
    }

    static void writeInt(ByteBuf out, Tag tag, int value) {
        out.writeInt(PmilterCodes.INT_VALUE_LENGTH);
        out.writeInt(tag.value());
        out.writeInt(value);
    }

    /** Writes an octet string ({@link PmilterCodes#STRING_CHARSET}); a char above 255 is no byte and is refused. */
    static void writeString(ByteBuf out, Tag tag, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                throw new EncoderException(tag.describe() + ": char U+" + String.format("%04X", (int) value.charAt(i))
                        + " is not an octet (expected: an octet string, one char per byte 0..255)");
            }
        }
        int header = out.writerIndex();
        out.writeInt(0);
        out.writeInt(tag.value());
        int length = out.writeCharSequence(value, PmilterCodes.STRING_CHARSET);
        out.setInt(header, length);
    }

    static void writeBytes(ByteBuf out, Tag tag, byte[] value, int offset, int length) {
        out.writeInt(length);
        out.writeInt(tag.value());
        out.writeBytes(value, offset, length);
    }

    static void writeBytes(ByteBuf out, Tag tag, ByteBuf value) {
        out.writeInt(value.readableBytes());
        out.writeInt(tag.value());
        out.writeBytes(value, value.readerIndex(), value.readableBytes());
    }

    static void writeAddress(ByteBuf out, InetAddress address) {
        byte[] bytes = address.getAddress();
        writeBytes(out, Tag.CLT_ADDR, bytes, 0, bytes.length);
    }

    static void writeMacros(ByteBuf out, PmilterMacros macros) {
        for (int i = 0; i < macros.size(); i++) {
            writeInt(out, Tag.MACID, macros.id(i));
            writeString(out, Tag.MACVAL, macros.value(i));
        }
    }

    static void writeMacroRequests(ByteBuf out, Map<Stage, List<Macro>> requests) {
        requests.forEach((stage, macros) -> {
            writeInt(out, Tag.MACSTAGE, stage.id());
            for (Macro macro : macros) {
                writeInt(out, Tag.MACID, macro.id());
            }
        });
    }

    /** Refuses to send what the peer's decoder would refuse to read. */
    static void checkLength(long messageLength, int maxMessageLength, Object message) {
        if (messageLength > maxMessageLength) {
            throw new EncoderException("cannot send " + describe(message) + ": message length: " + messageLength
                    + " (expected: <= " + maxMessageLength + ")");
        }
    }

    private static String describe(Object message) {
        if (message instanceof PmilterRequest.SessionRequest request) {
            return request.command() + " for session " + request.seid();
        }
        if (message instanceof PmilterResponse.Reply reply) {
            return "REPLY to session " + reply.seid();
        }
        return message.getClass().getSimpleName();
    }
}
