package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import org.pmult.milter.codec.MilterCommand.Body;
import org.pmult.milter.codec.MilterCommand.Connect;
import org.pmult.milter.codec.MilterCommand.Header;
import org.pmult.milter.codec.MilterCommand.Helo;
import org.pmult.milter.codec.MilterCommand.Macros;
import org.pmult.milter.codec.MilterCommand.Mail;
import org.pmult.milter.codec.MilterCommand.OptionNegotiation;
import org.pmult.milter.codec.MilterCommand.Rcpt;
import org.pmult.milter.codec.MilterCommand.Unknown;
import org.pmult.milter.codec.MilterCodes.AddressFamily;

import java.util.List;

/**
 * Writes {@link MilterCommand}s (the MTA side). Each packet is sized exactly before it is
 * allocated; a body chunk goes out as a 5-byte header followed by the chunk itself, not copied.
 */
@Sharable
public final class MilterCommandEncoder extends MessageToMessageEncoder<MilterCommand> {

    private final int maxFrameLength;

    /** An encoder refusing packets longer than {@code maxFrameLength} (length field value). */
    public MilterCommandEncoder(int maxFrameLength) {
        super(MilterCommand.class);
        this.maxFrameLength = maxFrameLength;
    }

    public MilterCommandEncoder() {
        this(MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, MilterCommand command, List<Object> out) {
        if (command instanceof Body body) {
            ByteBuf content = body.content();
            out.add(MilterFrames.begin(ctx.alloc(), command.command().code(), content.readableBytes(),
                    maxFrameLength, command.command().libmilterName()));
            out.add(content.retain());
            return;
        }
        out.add(encode(ctx.alloc(), command, maxFrameLength));
    }

    /** Encodes one command into a single fresh buffer (a body chunk is copied here; the pipeline path does not copy). */
    public static ByteBuf encode(ByteBufAllocator alloc, MilterCommand command, int maxFrameLength) {
        String what = command.command().libmilterName();
        ByteBuf out = MilterFrames.begin(alloc, command.command().code(), payloadLength(command, what),
                maxFrameLength, what);
        try {
            writePayload(out, command, what);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        return MilterFrames.finish(out, what);
    }

    /**
     * Encodes the {@code D} packet of a command's macros and the command itself into one buffer, in
     * that order: the pair the MTA always sends together costs one allocation and one write.
     * {@code command} must not be a body chunk (those are never copied; see the pipeline encoder).
     */
    public static ByteBuf encodeWithMacros(ByteBufAllocator alloc, Macros macros, MilterCommand command, int maxFrameLength) {
        if (command instanceof Body) {
            throw new IllegalArgumentException("a body chunk is written without copying, never with its macros");
        }
        String macrosWhat = macros.command().libmilterName();
        String what = command.command().libmilterName();
        int macrosPacket = MilterFrames.packetLength(payloadLength(macros, macrosWhat), maxFrameLength, macrosWhat);
        int commandPacket = MilterFrames.packetLength(payloadLength(command, what), maxFrameLength, what);
        ByteBuf out = alloc.ioBuffer(2 * MilterCodes.LENGTH_FIELD_BYTES + macrosPacket + commandPacket);
        try {
            out.writeInt(macrosPacket).writeByte(macros.command().code());
            writePayload(out, macros, macrosWhat);
            out.writeInt(commandPacket).writeByte(command.command().code());
            writePayload(out, command, what);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        if (out.readableBytes() != 2 * MilterCodes.LENGTH_FIELD_BYTES + macrosPacket + commandPacket) {
            out.release(); // a bug guard for the length computations
            throw new IllegalStateException(macrosWhat + " + " + what + ": wrote a different length than announced");
        }
        return out;
    }

    private static int payloadLength(MilterCommand command, String what) {
        return switch (command.command()) {
            case OPTNEG -> 12;
            case MACRO -> 1 + macrosLength(((Macros) command).macros(), what);
            case CONNECT -> {
                Connect c = (Connect) command;
                int address = c.family() == AddressFamily.UNKNOWN
                        ? 0 : 2 + CStrings.encodedLength(c.address(), what, "address");
                yield CStrings.encodedLength(c.hostname(), what, "hostname") + 1 + address;
            }
            case HELO -> CStrings.encodedLength(((Helo) command).name(), what, "name");
            case MAIL -> CStrings.encodedLength(((Mail) command).sender(), what, "sender")
                    + listLength(((Mail) command).esmtpArgs(), what, "ESMTP argument");
            case RCPT -> CStrings.encodedLength(((Rcpt) command).recipient(), what, "recipient")
                    + listLength(((Rcpt) command).esmtpArgs(), what, "ESMTP argument");
            case HEADER -> CStrings.encodedLength(((Header) command).name(), what, "name")
                    + CStrings.encodedLength(((Header) command).value(), what, "value");
            case UNKNOWN -> CStrings.encodedLength(((Unknown) command).line(), what, "line");
            case BODY -> ((Body) command).content().readableBytes();
            case DATA, EOH, BODYEOB, ABORT, QUIT, QUIT_NC -> 0;
        };
    }

    private static void writePayload(ByteBuf out, MilterCommand command, String what) {
        switch (command.command()) {
            case OPTNEG -> {
                OptionNegotiation o = (OptionNegotiation) command;
                out.writeInt(o.version()).writeInt(o.actions()).writeInt(o.protocol());
            }
            case MACRO -> {
                Macros m = (Macros) command;
                out.writeByte(m.stage().code());
                writeMacros(out, m.macros(), what);
            }
            case CONNECT -> {
                Connect c = (Connect) command;
                CStrings.write(out, c.hostname(), what, "hostname");
                out.writeByte(c.family().code());
                if (c.family() != AddressFamily.UNKNOWN) {
                    out.writeShort(c.port());
                    CStrings.write(out, c.address(), what, "address");
                }
            }
            case HELO -> CStrings.write(out, ((Helo) command).name(), what, "name");
            case MAIL -> {
                Mail m = (Mail) command;
                CStrings.write(out, m.sender(), what, "sender");
                writeList(out, m.esmtpArgs(), what, "ESMTP argument");
            }
            case RCPT -> {
                Rcpt r = (Rcpt) command;
                CStrings.write(out, r.recipient(), what, "recipient");
                writeList(out, r.esmtpArgs(), what, "ESMTP argument");
            }
            case HEADER -> {
                Header h = (Header) command;
                CStrings.write(out, h.name(), what, "name");
                CStrings.write(out, h.value(), what, "value");
            }
            case UNKNOWN -> CStrings.write(out, ((Unknown) command).line(), what, "line");
            case BODY -> {
                ByteBuf content = ((Body) command).content();
                out.writeBytes(content, content.readerIndex(), content.readableBytes());
            }
            case DATA, EOH, BODYEOB, ABORT, QUIT, QUIT_NC -> {
                // no payload
            }
        }
    }

    private static int macrosLength(MilterMacros macros, String what) {
        MilterMacroNames names = macros.names();
        String[] values = macros.values();
        int length = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                int valueLength = CStrings.encodedLengthOrNul(values[i]);
                if (valueLength == CStrings.NUL_INSIDE) {
                    throw CStrings.nulInside(what + " value of " + names.name(i));
                }
                if (valueLength == CStrings.NOT_OCTETS) {
                    CStrings.encodedLength(values[i], what + " value of " + names.name(i)); // throws, naming the char
                }
                length += names.encodedName(i).length + valueLength;
            }
        }
        return length;
    }

    private static void writeMacros(ByteBuf out, MilterMacros macros, String what) {
        MilterMacroNames names = macros.names();
        String[] values = macros.values();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                out.writeBytes(names.encodedName(i));
                // macrosLength has checked every value; the name is built only if one changed since.
                CStrings.write(out, values[i], what, "value");
            }
        }
    }

    private static int listLength(List<String> values, String what, String field) {
        int length = 0;
        for (String value : values) {
            length += CStrings.encodedLength(value, what, field);
        }
        return length;
    }

    private static void writeList(ByteBuf out, List<String> values, String what, String field) {
        for (String value : values) {
            CStrings.write(out, value, what, field);
        }
    }
}
