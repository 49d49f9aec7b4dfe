package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns packets from {@link MilterFrameDecoder} into {@link MilterCommand}s: the filter's side,
 * used by test milters and by anything that must speak Milter as a server.
 */
@Sharable
public final class MilterCommandDecoder extends MessageToMessageDecoder<ByteBuf> {

    private static final int OPTNEG_BYTES = 12;

    public MilterCommandDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf packet, List<Object> out) {
        out.add(decode(packet));
    }

    /** Decodes one packet (code byte first) without consuming its reference. */
    public static MilterCommand decode(ByteBuf packet) {
        Command code = Command.of(packet.readByte());
        String what = code.libmilterName();
        MilterCommand command = switch (code) {
            case OPTNEG -> {
                if (packet.readableBytes() != OPTNEG_BYTES) {
                    throw new MilterCodecException(what + ": " + packet.readableBytes() + " bytes (expected: "
                            + OPTNEG_BYTES + ")");
                }
                yield new MilterCommand.OptionNegotiation(packet.readInt(), packet.readInt(), packet.readInt());
            }
            case MACRO -> decodeMacros(packet, what);
            case CONNECT -> decodeConnect(packet, what);
            case HELO -> new MilterCommand.Helo(CStrings.read(packet, what + " name"));
            case MAIL -> {
                List<String> fields = CStrings.readAll(packet, what);
                requireFirst(fields, what, "sender");
                yield new MilterCommand.Mail(fields.get(0), fields.subList(1, fields.size()));
            }
            case RCPT -> {
                List<String> fields = CStrings.readAll(packet, what);
                requireFirst(fields, what, "recipient");
                yield new MilterCommand.Rcpt(fields.get(0), fields.subList(1, fields.size()));
            }
            case HEADER -> new MilterCommand.Header(CStrings.read(packet, what + " name"),
                    CStrings.read(packet, what + " value"));
            case BODY -> new MilterCommand.Body(packet.readRetainedSlice(packet.readableBytes()));
            case UNKNOWN -> new MilterCommand.Unknown(CStrings.read(packet, what + " line"));
            case DATA -> MilterCommand.DATA;
            case EOH -> MilterCommand.END_OF_HEADERS;
            case BODYEOB -> MilterCommand.END_OF_MESSAGE;
            case ABORT -> MilterCommand.ABORT;
            case QUIT -> MilterCommand.QUIT;
            case QUIT_NC -> MilterCommand.QUIT_NEW_CONNECTION;
        };
        if (packet.isReadable()) {
            ReferenceCountUtil.release(command);
            MilterFrames.requireEnd(packet, what);
        }
        return command;
    }

    private static void requireFirst(List<String> fields, String what, String field) {
        if (fields.isEmpty()) {
            throw new MilterCodecException(what + ": " + field + " missing");
        }
    }

    private static MilterCommand.Macros decodeMacros(ByteBuf packet, String what) {
        MilterFrames.requireReadable(packet, 1, what, "stage");
        Command stage = Command.of(packet.readByte());
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        while (packet.isReadable()) {
            String name = CStrings.read(packet, what + " name");
            if (!packet.isReadable()) {
                throw new MilterCodecException(what + ": macro " + name + " has no value");
            }
            names.add(name);
            values.add(CStrings.read(packet, what + " value of " + name));
        }
        return new MilterCommand.Macros(stage, MilterMacros.decoded(names, values));
    }

    private static MilterCommand.Connect decodeConnect(ByteBuf packet, String what) {
        String hostname = CStrings.read(packet, what + " hostname");
        MilterFrames.requireReadable(packet, 1, what, "family");
        AddressFamily family = AddressFamily.of(packet.readByte());
        if (family == AddressFamily.UNKNOWN) {
            return MilterCommand.Connect.unknown(hostname);
        }
        MilterFrames.requireReadable(packet, 2, what, "port");
        int port = packet.readUnsignedShort();
        return new MilterCommand.Connect(hostname, family, port, CStrings.read(packet, what + " address"));
    }
}
