package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import org.pmult.pmilter.codec.PmilterCodecException.Problem;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/**
 * Turns one complete message from smtps into a {@link PmilterRequest} (§10.3). Stateless. Entries
 * may come in any order after PROT, CMD and SEID; unknown tags are skipped, while a known tag that
 * does not belong to the command, a duplicate, or a missing required entry is an error.
 */
public final class PmilterRequestParser {

    /** Entries each command may carry after PROT, CMD and SEID. */
    private static final Map<Command, EnumSet<Tag>> ALLOWED = new EnumMap<>(Command.class);
    /** Entries each command must carry. */
    private static final Map<Command, EnumSet<Tag>> REQUIRED = new EnumMap<>(Command.class);

    static {
        EnumSet<Tag> macros = EnumSet.of(Tag.MACID, Tag.MACVAL);
        allow(Command.NEGOTIATE, EnumSet.of(Tag.CAPS, Tag.MAXSESS), EnumSet.noneOf(Tag.class));
        allow(Command.CONNECT, EnumSet.of(Tag.CLT_ADDR, Tag.CLT_PORT, Tag.CLT_NAME), macros);
        allow(Command.EHLO, EnumSet.of(Tag.HELO, Tag.HELO_KIND), macros);
        allow(Command.MAIL, EnumSet.of(Tag.MAIL), EnumSet.of(Tag.ARGS, Tag.MACID, Tag.MACVAL));
        allow(Command.RCPT, EnumSet.of(Tag.RCPT, Tag.RCPT_IDX), EnumSet.of(Tag.ARGS, Tag.MACID, Tag.MACVAL));
        allow(Command.DATA, EnumSet.noneOf(Tag.class), macros);
        allow(Command.MSG, EnumSet.of(Tag.CHUNK), EnumSet.noneOf(Tag.class));
        allow(Command.DOT, EnumSet.noneOf(Tag.class), macros);
        allow(Command.ABORT, EnumSet.noneOf(Tag.class), EnumSet.noneOf(Tag.class));
        allow(Command.CLOSE, EnumSet.noneOf(Tag.class), EnumSet.noneOf(Tag.class));
        allow(Command.UNKNOWN, EnumSet.of(Tag.UNKNOWN), EnumSet.noneOf(Tag.class));
        allow(Command.PING, EnumSet.noneOf(Tag.class), EnumSet.noneOf(Tag.class));
    }

    private PmilterRequestParser() {
    }

    private static void allow(Command command, EnumSet<Tag> required, EnumSet<Tag> optional) {
        EnumSet<Tag> allowed = EnumSet.copyOf(required);
        allowed.addAll(optional);
        ALLOWED.put(command, allowed);
        REQUIRED.put(command, required);
    }

    /**
     * Parses one message. {@code frame} holds exactly the u32 length prefix and the L bytes after it;
     * it is not released. A {@link PmilterRequest.Msg} holds a retained slice of it.
     *
     * @throws PmilterCodecException if the message breaks the profile
     */
    public static PmilterRequest parse(ByteBuf frame) {
        try {
            return parseChecked(frame);
        } catch (IllegalArgumentException e) {
            // A record refused a decoded value the entry checks let through; still the peer's fault.
            throw new PmilterCodecException(Problem.VALUE, e.getMessage());
        }
    }

    private static PmilterRequest parseChecked(ByteBuf frame) {
        PmilterEntryReader reader = new PmilterEntryReader(frame);
        long code = reader.readProtAndCmd();
        Command command = Command.fromValue(code);
        if (command == null) {
            return new PmilterRequest.UnknownCommand(code, reader.readSeidIfPresent());
        }
        String seid = command.isSessionCommand() ? reader.readSeid(command.name()) : null;
        Fields fields = new Fields(command);
        while (reader.hasNext()) {
            reader.next();
            fields.accept(reader);
        }
        fields.finish();
        try {
            return build(command, seid, fields, frame);
        } catch (IllegalArgumentException e) {
            throw new PmilterCodecException(Problem.VALUE, command + ": " + e.getMessage());
        }
    }

    private static PmilterRequest build(Command command, String seid, Fields f, ByteBuf frame) {
        return switch (command) {
            case NEGOTIATE -> new PmilterRequest.Negotiate(f.caps, f.maxSessions);
            case CONNECT -> new PmilterRequest.Connect(seid, f.clientAddress, f.port, f.clientName, f.macros());
            case EHLO -> new PmilterRequest.Ehlo(seid, f.helo, f.heloKind, f.macros());
            case MAIL -> new PmilterRequest.Mail(seid, f.path, f.args, f.macros());
            case RCPT -> new PmilterRequest.Rcpt(seid, f.path, f.rcptIndex, f.args, f.macros());
            case DATA -> new PmilterRequest.Data(seid, f.macros());
            case MSG -> new PmilterRequest.Msg(seid, frame.retainedSlice(f.chunkIndex, f.chunkLength));
            case DOT -> new PmilterRequest.Dot(seid, f.macros());
            case ABORT -> new PmilterRequest.Abort(seid);
            case CLOSE -> new PmilterRequest.Close(seid);
            case UNKNOWN -> new PmilterRequest.Unknown(seid, f.unknownLine);
            case PING -> new PmilterRequest.Ping();
        };
    }

    /** Values collected from the entries of one message. */
    private static final class Fields {
        private final Command command;
        private final EnumSet<Tag> seen = EnumSet.noneOf(Tag.class);
        /** Created at the first MACID: most messages carry no macros. */
        private PmilterMacros.Builder macros;
        /** MACID waiting for its MACVAL, and where it was. */
        private int pendingMacroId = -1;
        private int pendingMacroOffset;

        int caps;
        int maxSessions;
        InetAddress clientAddress;
        int port;
        String clientName;
        String helo;
        HeloKind heloKind;
        String path;
        String args;
        int rcptIndex;
        int chunkIndex;
        int chunkLength;
        String unknownLine;

        Fields(Command command) {
            this.command = command;
        }

        void accept(PmilterEntryReader reader) {
            Tag tag = reader.tag();
            if (tag == null) {
                return; // unknown tag: ignored for forward compatibility (§10.1)
            }
            if (!ALLOWED.get(command).contains(tag)) {
                throw reader.error(Problem.STRUCTURE, command + ": unexpected entry " + tag.describe());
            }
            if (pendingMacroId >= 0 && tag != Tag.MACVAL) {
                throw macroWithoutValue();
            }
            if (tag != Tag.MACID && tag != Tag.MACVAL && !seen.add(tag)) {
                throw reader.error(Problem.STRUCTURE, command + ": duplicate entry " + tag.describe());
            }
            switch (tag) {
                case CAPS -> caps = (int) reader.intValue();
                case MAXSESS -> maxSessions = reader.nonNegativeIntValue();
                case CLT_ADDR -> clientAddress = address(reader);
                case CLT_PORT -> port = port(reader);
                case CLT_NAME -> clientName = reader.stringValue();
                case HELO -> helo = reader.stringValue();
                case HELO_KIND -> heloKind = heloKind(reader);
                case MAIL, RCPT -> path = reader.stringValue();
                case ARGS -> args = reader.stringValue();
                case RCPT_IDX -> rcptIndex = reader.nonNegativeIntValue();
                case CHUNK -> chunk(reader);
                case UNKNOWN -> unknownLine = reader.stringValue();
                case MACID -> macroId(reader);
                case MACVAL -> macroValue(reader);
                default -> throw new IllegalStateException("tag allowed but not handled: " + tag);
            }
        }

        void finish() {
            if (pendingMacroId >= 0) {
                throw macroWithoutValue();
            }
            for (Tag required : REQUIRED.get(command)) {
                if (!seen.contains(required)) {
                    throw new PmilterCodecException(Problem.STRUCTURE, command + ": missing entry " + required.describe());
                }
            }
        }

        PmilterMacros macros() {
            return macros == null ? PmilterMacros.EMPTY : macros.build();
        }

        private PmilterCodecException macroWithoutValue() {
            return new PmilterCodecException(Problem.STRUCTURE, command + ": MACID " + pendingMacroId + " is not followed by "
                    + Tag.MACVAL.describe(), pendingMacroOffset);
        }

        private void macroId(PmilterEntryReader reader) {
            int id = reader.nonNegativeIntValue();
            if (macros == null) {
                macros = PmilterMacros.builder();
            }
            if (macros.size() == PmilterCodes.MAX_MACROS_PER_STAGE) {
                throw reader.error(Problem.STRUCTURE, command + ": MACID entries: " + (macros.size() + 1)
                        + " (expected: <= " + PmilterCodes.MAX_MACROS_PER_STAGE + ")");
            }
            pendingMacroId = id;
            pendingMacroOffset = reader.offset();
        }

        private void macroValue(PmilterEntryReader reader) {
            if (pendingMacroId < 0) {
                throw reader.error(Problem.STRUCTURE, command + ": " + Tag.MACVAL.describe() + " without a preceding "
                        + Tag.MACID.describe());
            }
            macros.add(pendingMacroId, reader.stringValue());
            pendingMacroId = -1;
        }

        private void chunk(PmilterEntryReader reader) {
            if (reader.valueLength() > PmilterCodes.MAX_CHUNK_LENGTH) {
                throw reader.error(Problem.ENTRY_LENGTH, command + ": CHUNK length: " + reader.valueLength()
                        + " (expected: <= " + PmilterCodes.MAX_CHUNK_LENGTH + ")");
            }
            chunkIndex = reader.valueIndex();
            chunkLength = reader.valueLength();
        }

        private static InetAddress address(PmilterEntryReader reader) {
            int length = reader.valueLength();
            if (length != PmilterCodes.IPV4_ADDRESS_LENGTH && length != PmilterCodes.IPV6_ADDRESS_LENGTH) {
                throw reader.error(Problem.VALUE, "CLT_ADDR length: " + length + " (expected: " + PmilterCodes.IPV4_ADDRESS_LENGTH
                        + " or " + PmilterCodes.IPV6_ADDRESS_LENGTH + ")");
            }
            byte[] bytes = reader.bytesValue();
            try {
                // Inet6Address keeps an IPv4-mapped address in its 16-byte form, so it re-encodes unchanged.
                return length == PmilterCodes.IPV4_ADDRESS_LENGTH
                        ? InetAddress.getByAddress(bytes)
                        : Inet6Address.getByAddress(null, bytes, -1);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("address length was checked", e);
            }
        }

        private static int port(PmilterEntryReader reader) {
            long port = reader.intValue();
            if (port > 65_535) {
                throw reader.error(Problem.VALUE, "CLT_PORT: " + port + " (expected: 0..65535)");
            }
            return (int) port;
        }

        private static HeloKind heloKind(PmilterEntryReader reader) {
            long value = reader.intValue();
            HeloKind kind = HeloKind.fromValue(value);
            if (kind == null) {
                throw reader.error(Problem.VALUE, "HELO_KIND: " + value + " (expected: " + HeloKind.HELO.value() + " (HELO) or "
                        + HeloKind.EHLO.value() + " (EHLO))");
            }
            return kind;
        }
    }
}
