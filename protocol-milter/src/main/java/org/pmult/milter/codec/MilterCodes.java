package org.pmult.milter.codec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one table of Sendmail Milter wire codes (libmilter's {@code mfdef.h}). Every
 * code family is an enum whose constants carry the wire value and the libmilter name; decoding goes
 * through the {@code of} lookups, which throw {@link MilterCodecException} for unknown values.
 * Nothing else in pmult spells a Milter code or mask as a literal.
 */
public final class MilterCodes {

    /** Oldest protocol version pmult speaks (Sendmail 8.12's; v1 filters are long gone). */
    public static final int MIN_VERSION = 2;
    /** Newest protocol version (Sendmail 8.14+, libmilter 1.0); v6 adds SETSYMLIST, SKIP and no-reply flags. */
    public static final int MAX_VERSION = 6;

    /** Largest payload of one packet without the v6 MDS flags (libmilter's MILTER_MAX_DATA_SIZE). */
    public static final int MAX_DATA_SIZE = 65535;
    /** Largest body chunk sent in one SMFIC_BODY packet (libmilter's MILTER_CHUNK_SIZE). */
    public static final int MAX_BODY_CHUNK = 65535;
    /** Default bound on the packet length field, which counts the command byte plus the payload. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = MAX_DATA_SIZE + 1;
    /** Bytes of the big-endian length field in front of every packet. */
    public static final int LENGTH_FIELD_BYTES = 4;

    /** Actions a version-2 filter may ask for (libmilter's SMFI_V2_ACTS). */
    public static final int V2_ACTIONS = ActionFlag.maskOf(ActionFlag.ADDHDRS, ActionFlag.CHGBODY,
            ActionFlag.ADDRCPT, ActionFlag.DELRCPT, ActionFlag.CHGHDRS, ActionFlag.QUARANTINE);
    /** Every action flag defined up to version 6 (libmilter's SMFI_CURR_ACTS). */
    public static final int V6_ACTIONS = ActionFlag.maskOf(ActionFlag.values());
    /**
     * Actions offered when retrying with version 2. GNU mailfromd insists on CHGFROM even at v2 and
     * closes the connection when it is missing ("MTA flags 0x3f do not match actions requirements 0x7f").
     */
    public static final int V2_FALLBACK_ACTIONS = V2_ACTIONS | ActionFlag.CHGFROM.bit();

    /** Events a version-2 MTA lets the filter switch off (NOCONNECT … NOEOH). */
    public static final int V2_PROTOCOL = ProtocolFlag.maskOf(ProtocolFlag.NOCONNECT, ProtocolFlag.NOHELO,
            ProtocolFlag.NOMAIL, ProtocolFlag.NORCPT, ProtocolFlag.NOBODY, ProtocolFlag.NOHDRS, ProtocolFlag.NOEOH);
    /** Version 3 adds the UNKNOWN event. */
    public static final int V3_PROTOCOL = V2_PROTOCOL | ProtocolFlag.NOUNKNOWN.bit();
    /** Version 4 adds the DATA event. */
    public static final int V4_PROTOCOL = V3_PROTOCOL | ProtocolFlag.NODATA.bit();
    /** Version 6 adds SKIP, RCPT_REJ, every no-reply flag and HDR_LEADSPC (the MDS bits are internal to libmilter). */
    public static final int V6_PROTOCOL = V4_PROTOCOL | ProtocolFlag.maskOf(ProtocolFlag.NR_HDR, ProtocolFlag.SKIP,
            ProtocolFlag.RCPT_REJ, ProtocolFlag.NR_CONN, ProtocolFlag.NR_HELO, ProtocolFlag.NR_MAIL,
            ProtocolFlag.NR_RCPT, ProtocolFlag.NR_DATA, ProtocolFlag.NR_UNKN, ProtocolFlag.NR_EOH,
            ProtocolFlag.NR_BODY, ProtocolFlag.HDR_LEADSPC);

    private MilterCodes() {
    }

    /** The action flags a filter of {@code version} may ask for. */
    public static int actionMask(int version) {
        requireVersion(version);
        return version >= 6 ? V6_ACTIONS : V2_ACTIONS;
    }

    /** The protocol flags defined for {@code version} (Postfix's per-version event masks). */
    public static int protocolMask(int version) {
        requireVersion(version);
        return switch (version) {
            case 2 -> V2_PROTOCOL;
            case 3 -> V3_PROTOCOL;
            case 4, 5 -> V4_PROTOCOL; // v5 was never released by Sendmail; treat it like v4
            default -> V6_PROTOCOL;
        };
    }

    /** Whether {@code version} is one pmult speaks. */
    public static boolean isSupportedVersion(int version) {
        return version >= MIN_VERSION && version <= MAX_VERSION;
    }

    private static void requireVersion(int version) {
        if (!isSupportedVersion(version)) {
            throw new IllegalArgumentException("version: " + version
                    + " (expected: " + MIN_VERSION + ".." + MAX_VERSION + ")");
        }
    }

    /** Renders a wire code byte for messages: {@code 0x5a ('Z')}. */
    static String describeByte(int code) {
        int unsigned = code & 0xFF;
        String hex = String.format("0x%02x", unsigned);
        return unsigned >= 0x20 && unsigned < 0x7F ? hex + " ('" + (char) unsigned + "')" : hex;
    }

    /** A bit of an OPTNEG mask with its libmilter name: what {@link ActionFlag} and {@link ProtocolFlag} share. */
    public interface MaskFlag {
        /** The bit in its OPTNEG field. */
        int bit();

        String libmilterName();

        /** The constant's own name, e.g. {@code NOBODY}. */
        String name();

        /** Whether this flag is set in {@code mask}. */
        default boolean isSet(int mask) {
            return (mask & bit()) != 0;
        }
    }

    private static int maskOfFlags(MaskFlag[] flags) {
        int mask = 0;
        for (MaskFlag flag : flags) {
            mask |= flag.bit();
        }
        return mask;
    }

    private static <F extends MaskFlag> List<F> flagsSetIn(F[] all, int mask) {
        List<F> flags = new ArrayList<>();
        for (F flag : all) {
            if (flag.isSet(mask)) {
                flags.add(flag);
            }
        }
        return flags;
    }

    private static String describeMask(int mask, MaskFlag[] all) {
        if (mask == 0) {
            return "none";
        }
        StringBuilder out = new StringBuilder();
        int rest = mask;
        for (MaskFlag flag : all) {
            if (flag.isSet(mask)) {
                out.append(out.length() == 0 ? "" : "|").append(flag.name());
                rest &= ~flag.bit();
            }
        }
        if (rest != 0) {
            out.append(out.length() == 0 ? "" : "|").append(String.format("0x%x", rest));
        }
        return out.toString();
    }

    /** Commands the MTA sends to the filter ({@code SMFIC_*}). */
    public enum Command {
        OPTNEG('O', "SMFIC_OPTNEG", 2, null, null, true),
        MACRO('D', "SMFIC_MACRO", 2, null, null, false),
        CONNECT('C', "SMFIC_CONNECT", 2, ProtocolFlag.NOCONNECT, ProtocolFlag.NR_CONN, true),
        HELO('H', "SMFIC_HELO", 2, ProtocolFlag.NOHELO, ProtocolFlag.NR_HELO, true),
        MAIL('M', "SMFIC_MAIL", 2, ProtocolFlag.NOMAIL, ProtocolFlag.NR_MAIL, true),
        RCPT('R', "SMFIC_RCPT", 2, ProtocolFlag.NORCPT, ProtocolFlag.NR_RCPT, true),
        /** v4+. */
        DATA('T', "SMFIC_DATA", 4, ProtocolFlag.NODATA, ProtocolFlag.NR_DATA, true),
        HEADER('L', "SMFIC_HEADER", 2, ProtocolFlag.NOHDRS, ProtocolFlag.NR_HDR, true),
        EOH('N', "SMFIC_EOH", 2, ProtocolFlag.NOEOH, ProtocolFlag.NR_EOH, true),
        BODY('B', "SMFIC_BODY", 2, ProtocolFlag.NOBODY, ProtocolFlag.NR_BODY, true),
        BODYEOB('E', "SMFIC_BODYEOB", 2, null, null, true),
        ABORT('A', "SMFIC_ABORT", 2, null, null, false),
        QUIT('Q', "SMFIC_QUIT", 2, null, null, false),
        /** v6. */
        QUIT_NC('K', "SMFIC_QUIT_NC", 6, null, null, false),
        /** v3+. */
        UNKNOWN('U', "SMFIC_UNKNOWN", 3, ProtocolFlag.NOUNKNOWN, ProtocolFlag.NR_UNKN, true);

        private static final Command[] BY_CODE = new Command[256];
        private static final Map<String, Command> BY_NAME = new HashMap<>();

        static {
            for (Command command : values()) {
                BY_CODE[command.code & 0xFF] = command;
                BY_NAME.put(command.libmilterName, command);
            }
        }

        private final byte code;
        private final String libmilterName;
        private final int sinceVersion;
        private final ProtocolFlag skipFlag;
        private final ProtocolFlag noReplyFlag;
        private final boolean answered;

        Command(char code, String libmilterName, int sinceVersion, ProtocolFlag skipFlag,
                ProtocolFlag noReplyFlag, boolean answered) {
            this.code = (byte) code;
            this.libmilterName = libmilterName;
            this.sinceVersion = sinceVersion;
            this.skipFlag = skipFlag;
            this.noReplyFlag = noReplyFlag;
            this.answered = answered;
        }

        /** The command byte on the wire. */
        public byte code() {
            return code;
        }

        /** The C name, e.g. {@code SMFIC_RCPT}, used in logs. */
        public String libmilterName() {
            return libmilterName;
        }

        /** The first protocol version that defines this command. */
        public int sinceVersion() {
            return sinceVersion;
        }

        /** The protocol flag with which a filter asks not to get this command, or null if it cannot. */
        public ProtocolFlag skipFlag() {
            return skipFlag;
        }

        /** The protocol flag with which a filter says it will not reply, or null if it cannot. */
        public ProtocolFlag noReplyFlag() {
            return noReplyFlag;
        }

        /** Whether the filter replies to this command (unless its no-reply flag was negotiated). */
        public boolean answered() {
            return answered;
        }

        /** The command for a wire byte; throws {@link MilterCodecException} for an unknown one. */
        public static Command of(byte code) {
            Command command = BY_CODE[code & 0xFF];
            if (command == null) {
                throw new MilterCodecException("unknown command code " + describeByte(code)
                        + " (expected: one of the SMFIC_* codes)");
            }
            return command;
        }

        /** The command for a libmilter name such as {@code SMFIC_RCPT}; throws IllegalArgumentException if unknown. */
        public static Command byName(String libmilterName) {
            Command command = BY_NAME.get(libmilterName);
            if (command == null) {
                throw new IllegalArgumentException("unknown Milter command name: " + libmilterName);
            }
            return command;
        }
    }

    /** Replies the filter sends to the MTA ({@code SMFIR_*}). */
    public enum Reply {
        ADDRCPT('+', "SMFIR_ADDRCPT", ActionFlag.ADDRCPT),
        DELRCPT('-', "SMFIR_DELRCPT", ActionFlag.DELRCPT),
        /** v6. */
        ADDRCPT_PAR('2', "SMFIR_ADDRCPT_PAR", ActionFlag.ADDRCPT_PAR),
        SHUTDOWN('4', "SMFIR_SHUTDOWN", null),
        ACCEPT('a', "SMFIR_ACCEPT", null),
        REPLBODY('b', "SMFIR_REPLBODY", ActionFlag.CHGBODY),
        CONTINUE('c', "SMFIR_CONTINUE", null),
        DISCARD('d', "SMFIR_DISCARD", null),
        /** v6. */
        CHGFROM('e', "SMFIR_CHGFROM", ActionFlag.CHGFROM),
        CONN_FAIL('f', "SMFIR_CONN_FAIL", null),
        ADDHEADER('h', "SMFIR_ADDHEADER", ActionFlag.ADDHDRS),
        INSHEADER('i', "SMFIR_INSHEADER", ActionFlag.ADDHDRS),
        /** v6; only ever seen inside an OPTNEG reply, never as a packet of its own. */
        SETSYMLIST('l', "SMFIR_SETSYMLIST", ActionFlag.SETSYMLIST),
        CHGHEADER('m', "SMFIR_CHGHEADER", ActionFlag.CHGHDRS),
        PROGRESS('p', "SMFIR_PROGRESS", null),
        QUARANTINE('q', "SMFIR_QUARANTINE", ActionFlag.QUARANTINE),
        REJECT('r', "SMFIR_REJECT", null),
        /** v6, only when SMFIP_SKIP was negotiated. */
        SKIP('s', "SMFIR_SKIP", null),
        TEMPFAIL('t', "SMFIR_TEMPFAIL", null),
        REPLYCODE('y', "SMFIR_REPLYCODE", null),
        OPTNEG('O', "SMFIR_OPTNEG", null);

        private static final Reply[] BY_CODE = new Reply[256];
        private static final Map<String, Reply> BY_NAME = new HashMap<>();

        static {
            for (Reply reply : values()) {
                BY_CODE[reply.code & 0xFF] = reply;
                BY_NAME.put(reply.libmilterName, reply);
            }
        }

        private final byte code;
        private final String libmilterName;
        private final ActionFlag requiredAction;

        Reply(char code, String libmilterName, ActionFlag requiredAction) {
            this.code = (byte) code;
            this.libmilterName = libmilterName;
            this.requiredAction = requiredAction;
        }

        /** The reply byte on the wire. */
        public byte code() {
            return code;
        }

        /** The C name, e.g. {@code SMFIR_REPLYCODE}, used in logs. */
        public String libmilterName() {
            return libmilterName;
        }

        /** The action the filter must have negotiated to send this modification, or null for a verdict. */
        public ActionFlag requiredAction() {
            return requiredAction;
        }

        /** The reply for a wire byte; throws {@link MilterCodecException} for an unknown one. */
        public static Reply of(byte code) {
            Reply reply = BY_CODE[code & 0xFF];
            if (reply == null) {
                throw new MilterCodecException("unknown reply code " + describeByte(code)
                        + " (expected: one of the SMFIR_* codes)");
            }
            return reply;
        }

        /** The reply for a libmilter name such as {@code SMFIR_ACCEPT}; throws IllegalArgumentException if unknown. */
        public static Reply byName(String libmilterName) {
            Reply reply = BY_NAME.get(libmilterName);
            if (reply == null) {
                throw new IllegalArgumentException("unknown Milter reply name: " + libmilterName);
            }
            return reply;
        }
    }

    /** What the filter may do to a message ({@code SMFIF_*}), negotiated in OPTNEG. */
    public enum ActionFlag implements MaskFlag {
        ADDHDRS(0x001, "SMFIF_ADDHDRS", 2),
        /** Also known as SMFIF_MODBODY. */
        CHGBODY(0x002, "SMFIF_CHGBODY", 2),
        ADDRCPT(0x004, "SMFIF_ADDRCPT", 2),
        DELRCPT(0x008, "SMFIF_DELRCPT", 2),
        CHGHDRS(0x010, "SMFIF_CHGHDRS", 2),
        QUARANTINE(0x020, "SMFIF_QUARANTINE", 2),
        /** v6. */
        CHGFROM(0x040, "SMFIF_CHGFROM", 6),
        /** v6. */
        ADDRCPT_PAR(0x080, "SMFIF_ADDRCPT_PAR", 6),
        /** v6. */
        SETSYMLIST(0x100, "SMFIF_SETSYMLIST", 6);

        private static final ActionFlag[] ALL = values();
        private static final Map<String, ActionFlag> BY_NAME = new HashMap<>();

        static {
            for (ActionFlag flag : ALL) {
                BY_NAME.put(flag.libmilterName, flag);
            }
        }

        private final int bit;
        private final String libmilterName;
        private final int sinceVersion;

        ActionFlag(int bit, String libmilterName, int sinceVersion) {
            this.bit = bit;
            this.libmilterName = libmilterName;
            this.sinceVersion = sinceVersion;
        }

        /** The bit in the OPTNEG actions field. */
        @Override
        public int bit() {
            return bit;
        }

        @Override
        public String libmilterName() {
            return libmilterName;
        }

        public int sinceVersion() {
            return sinceVersion;
        }

        /** The OR of the given flags' bits. */
        public static int maskOf(ActionFlag... flags) {
            return maskOfFlags(flags);
        }

        /** The flags set in {@code mask}, in bit order (unknown bits are dropped). */
        public static List<ActionFlag> flagsIn(int mask) {
            return flagsSetIn(ALL, mask);
        }

        /** A mask as names for logs, e.g. {@code ADDHDRS|CHGBODY}; unknown bits in hex, {@code none} for 0. */
        public static String describe(int mask) {
            return describeMask(mask, ALL);
        }

        /** The flag for a libmilter name such as {@code SMFIF_ADDHDRS}; throws IllegalArgumentException if unknown. */
        public static ActionFlag byName(String libmilterName) {
            ActionFlag flag = BY_NAME.get(libmilterName);
            if (flag == null) {
                throw new IllegalArgumentException("unknown Milter action flag name: " + libmilterName);
            }
            return flag;
        }
    }

    /**
     * Protocol flags ({@code SMFIP_*}): events the filter does not want ({@code NO*}), events it will
     * not answer ({@code NR_*}) and protocol features, negotiated in OPTNEG.
     */
    public enum ProtocolFlag implements MaskFlag {
        NOCONNECT(0x00000001, "SMFIP_NOCONNECT", 2),
        NOHELO(0x00000002, "SMFIP_NOHELO", 2),
        NOMAIL(0x00000004, "SMFIP_NOMAIL", 2),
        NORCPT(0x00000008, "SMFIP_NORCPT", 2),
        NOBODY(0x00000010, "SMFIP_NOBODY", 2),
        NOHDRS(0x00000020, "SMFIP_NOHDRS", 2),
        NOEOH(0x00000040, "SMFIP_NOEOH", 2),
        /** Formerly SMFIP_NOHREPL. */
        NR_HDR(0x00000080, "SMFIP_NR_HDR", 6),
        NOUNKNOWN(0x00000100, "SMFIP_NOUNKNOWN", 3),
        NODATA(0x00000200, "SMFIP_NODATA", 4),
        SKIP(0x00000400, "SMFIP_SKIP", 6),
        RCPT_REJ(0x00000800, "SMFIP_RCPT_REJ", 6),
        NR_CONN(0x00001000, "SMFIP_NR_CONN", 6),
        NR_HELO(0x00002000, "SMFIP_NR_HELO", 6),
        NR_MAIL(0x00004000, "SMFIP_NR_MAIL", 6),
        NR_RCPT(0x00008000, "SMFIP_NR_RCPT", 6),
        NR_DATA(0x00010000, "SMFIP_NR_DATA", 6),
        NR_UNKN(0x00020000, "SMFIP_NR_UNKN", 6),
        NR_EOH(0x00040000, "SMFIP_NR_EOH", 6),
        NR_BODY(0x00080000, "SMFIP_NR_BODY", 6),
        HDR_LEADSPC(0x00100000, "SMFIP_HDR_LEADSPC", 6),
        /** Internal between libmilter and the MTA; never offered by pmult. */
        MDS_256K(0x10000000, "SMFIP_MDS_256K", 6),
        /** Internal between libmilter and the MTA; never offered by pmult. */
        MDS_1M(0x20000000, "SMFIP_MDS_1M", 6);

        private static final ProtocolFlag[] ALL = values();
        private static final Map<String, ProtocolFlag> BY_NAME = new HashMap<>();

        static {
            for (ProtocolFlag flag : ALL) {
                BY_NAME.put(flag.libmilterName, flag);
            }
        }

        private final int bit;
        private final String libmilterName;
        private final int sinceVersion;

        ProtocolFlag(int bit, String libmilterName, int sinceVersion) {
            this.bit = bit;
            this.libmilterName = libmilterName;
            this.sinceVersion = sinceVersion;
        }

        /** The bit in the OPTNEG protocol field. */
        @Override
        public int bit() {
            return bit;
        }

        @Override
        public String libmilterName() {
            return libmilterName;
        }

        public int sinceVersion() {
            return sinceVersion;
        }

        /** The OR of the given flags' bits. */
        public static int maskOf(ProtocolFlag... flags) {
            return maskOfFlags(flags);
        }

        /** The flags set in {@code mask}, in bit order (unknown bits are dropped). */
        public static List<ProtocolFlag> flagsIn(int mask) {
            return flagsSetIn(ALL, mask);
        }

        /** A mask as names for logs, e.g. {@code NOBODY|NOEOH|SKIP}; unknown bits in hex, {@code none} for 0. */
        public static String describe(int mask) {
            return describeMask(mask, ALL);
        }

        /** The flag for a libmilter name such as {@code SMFIP_NR_RCPT}; throws IllegalArgumentException if unknown. */
        public static ProtocolFlag byName(String libmilterName) {
            ProtocolFlag flag = BY_NAME.get(libmilterName);
            if (flag == null) {
                throw new IllegalArgumentException("unknown Milter protocol flag name: " + libmilterName);
            }
            return flag;
        }
    }

    /**
     * Macro stages ({@code SMFIM_*}) a v6 filter uses in SETSYMLIST to say which macros it wants
     * with which command; each stage's macros travel in a {@code D} packet tagged with that command.
     */
    public enum MacroStage {
        CONNECT(0, "SMFIM_CONNECT", Command.CONNECT),
        HELO(1, "SMFIM_HELO", Command.HELO),
        ENVFROM(2, "SMFIM_ENVFROM", Command.MAIL),
        ENVRCPT(3, "SMFIM_ENVRCPT", Command.RCPT),
        DATA(4, "SMFIM_DATA", Command.DATA),
        EOM(5, "SMFIM_EOM", Command.BODYEOB),
        EOH(6, "SMFIM_EOH", Command.EOH);

        private static final MacroStage[] BY_ID = new MacroStage[7];
        private static final Map<String, MacroStage> BY_NAME = new HashMap<>();

        static {
            for (MacroStage stage : values()) {
                BY_ID[stage.id] = stage;
                BY_NAME.put(stage.libmilterName, stage);
            }
        }

        private final int id;
        private final String libmilterName;
        private final Command command;

        MacroStage(int id, String libmilterName, Command command) {
            this.id = id;
            this.libmilterName = libmilterName;
            this.command = command;
        }

        /** The stage number in a SETSYMLIST record. */
        public int id() {
            return id;
        }

        public String libmilterName() {
            return libmilterName;
        }

        /** The command whose {@code D} packet carries this stage's macros. */
        public Command command() {
            return command;
        }

        /** Whether {@code id} names a known stage. */
        public static boolean isKnown(int id) {
            return id >= 0 && id < BY_ID.length;
        }

        /** The stage for a SETSYMLIST stage number; throws {@link MilterCodecException} for an unknown one. */
        public static MacroStage of(int id) {
            if (!isKnown(id)) {
                throw new MilterCodecException("unknown macro stage " + id
                        + " (expected: 0.." + (BY_ID.length - 1) + ", one of the SMFIM_* stages)");
            }
            return BY_ID[id];
        }

        /** The stage for a libmilter name such as {@code SMFIM_EOM}; throws IllegalArgumentException if unknown. */
        public static MacroStage byName(String libmilterName) {
            MacroStage stage = BY_NAME.get(libmilterName);
            if (stage == null) {
                throw new IllegalArgumentException("unknown Milter macro stage name: " + libmilterName);
            }
            return stage;
        }
    }

    /** Address families in SMFIC_CONNECT ({@code SMFIA_*}). */
    public enum AddressFamily {
        /** No port or address follows. */
        UNKNOWN('U', "SMFIA_UNKNOWN"),
        UNIX('L', "SMFIA_UNIX"),
        INET('4', "SMFIA_INET"),
        INET6('6', "SMFIA_INET6");

        private static final AddressFamily[] BY_CODE = new AddressFamily[256];

        static {
            for (AddressFamily family : values()) {
                BY_CODE[family.code & 0xFF] = family;
            }
        }

        private final byte code;
        private final String libmilterName;

        AddressFamily(char code, String libmilterName) {
            this.code = (byte) code;
            this.libmilterName = libmilterName;
        }

        public byte code() {
            return code;
        }

        public String libmilterName() {
            return libmilterName;
        }

        /** The family for a wire byte; throws {@link MilterCodecException} for an unknown one. */
        public static AddressFamily of(byte code) {
            AddressFamily family = BY_CODE[code & 0xFF];
            if (family == null) {
                throw new MilterCodecException("unknown address family " + describeByte(code)
                        + " (expected: one of the SMFIA_* codes)");
            }
            return family;
        }
    }
}
