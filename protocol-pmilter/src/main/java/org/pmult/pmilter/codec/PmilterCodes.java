package org.pmult.pmilter.codec;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The single table of every number in pmilter profile 1 (spec section 10). No other class, test
 * included, may spell a tag, command, reply code, capability bit, stage id, macro id or bound as a
 * literal: if a capture of real MeTA1 traffic disagrees, this class and the spec are all that change.
 */
public final class PmilterCodes {

    /** Value of the PROT entry that opens every message (§10.1). */
    public static final int PROFILE_VERSION = 1;

    /** Size of the u32 length prefix of a message (§10.1). */
    public static final int LENGTH_FIELD_LENGTH = 4;
    /** Size of an entry header: u32 value length then u32 tag (§10.1). */
    public static final int ENTRY_HEADER_LENGTH = 8;
    /** Value length of every integer entry: one big-endian u32 (§10.1). */
    public static final int INT_VALUE_LENGTH = 4;
    /** Size of one integer entry, header included. */
    public static final int INT_ENTRY_LENGTH = ENTRY_HEADER_LENGTH + INT_VALUE_LENGTH;

    /** Smallest message length L (bytes after the length prefix): one integer entry (§10.1). */
    public static final int MIN_MESSAGE_LENGTH = INT_ENTRY_LENGTH;
    /** Default upper bound of L (§10.1); configurable per decoder. */
    public static final int DEFAULT_MAX_MESSAGE_LENGTH = 1_048_576;

    /** Shortest and longest SEID in bytes (§10.1). */
    public static final int MIN_SEID_LENGTH = 1;
    public static final int MAX_SEID_LENGTH = 64;

    /** Largest CHUNK value (§10.2). */
    public static final int MAX_CHUNK_LENGTH = 65_536;

    /** Most MACID entries per MACSTAGE in a NEGOTIATE_REPLY, and so most macros per request (§10.4). */
    public static final int MAX_MACROS_PER_STAGE = 8;

    /**
     * Smallest max message length a decoder may be configured with: a MSG carrying the longest SEID
     * and a full CHUNK must always fit, or smtps could not send a message body at all.
     */
    public static final int MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH =
            2 * INT_ENTRY_LENGTH + ENTRY_HEADER_LENGTH + MAX_SEID_LENGTH + ENTRY_HEADER_LENGTH + MAX_CHUNK_LENGTH;
    /**
     * Largest max message length a decoder may be configured with: a sanity ceiling (64 MiB) so a
     * typo in a configuration cannot let a peer make us buffer gigabytes.
     */
    public static final int MAX_CONFIGURABLE_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;

    /**
     * How string entries map to Java strings (§10.1: "UTF-8/octets"): one char per byte, so that
     * header values, envelope arguments and macro values pass through pmult byte for byte whatever
     * their encoding. Java text (configuration, scenario files) is turned into such octet strings
     * where it enters, by encoding it as UTF-8.
     */
    public static final Charset STRING_CHARSET = StandardCharsets.ISO_8859_1;

    /** Size of CLT_ADDR for IPv4 and IPv6 (§10.2). */
    public static final int IPV4_ADDRESS_LENGTH = 4;
    public static final int IPV6_ADDRESS_LENGTH = 16;

    private PmilterCodes() {
    }

    /** The entry tags (§10.2). */
    public enum Tag {
        PROT(0x0001, Kind.INT),
        CMD(0x0002, Kind.INT),
        SEID(0x0003, Kind.STRING),
        CAPS(0x0010, Kind.INT),
        MAXSESS(0x0011, Kind.INT),
        MACSTAGE(0x0012, Kind.INT),
        MACID(0x0013, Kind.INT),
        MACVAL(0x0014, Kind.STRING),
        CLT_ADDR(0x0020, Kind.BYTES),
        CLT_PORT(0x0021, Kind.INT),
        CLT_NAME(0x0022, Kind.STRING),
        HELO(0x0030, Kind.STRING),
        HELO_KIND(0x0031, Kind.INT),
        MAIL(0x0040, Kind.STRING),
        ARGS(0x0041, Kind.STRING),
        RCPT(0x0050, Kind.STRING),
        RCPT_IDX(0x0051, Kind.INT),
        CHUNK(0x0060, Kind.BYTES),
        UNKNOWN(0x0070, Kind.STRING),
        RCODE(0x0080, Kind.INT),
        TEXT(0x0081, Kind.STRING),
        MOD(0x0090, Kind.INT),
        MOD_IDX(0x0091, Kind.INT),
        MOD_NAME(0x0092, Kind.STRING),
        MOD_VALUE(0x0093, Kind.BYTES);

        /** How an entry's value is read. */
        public enum Kind {
            /** n = 4, one big-endian u32. */
            INT,
            /** n octets, no NUL, no padding; read as an octet string ({@link #STRING_CHARSET}). */
            STRING,
            /** n raw octets. */
            BYTES
        }

        private static final Tag[] BY_VALUE = indexByValue(values(), Tag::value);

        private final int value;
        private final Kind kind;

        Tag(int value, Kind kind) {
            this.value = value;
            this.kind = kind;
        }

        public int value() {
            return value;
        }

        public Kind kind() {
            return kind;
        }

        /** The tag with this wire value, or {@code null} if this profile does not know it. */
        public static Tag fromValue(long value) {
            return lookup(BY_VALUE, value);
        }

        /** {@code "CLT_PORT (0x0021)"}, for error messages. */
        public String describe() {
            return name() + " (" + hex4(value) + ")";
        }
    }

    /** Request commands smtps sends (§10.3), with the stage whose macros they may carry. */
    public enum Command {
        NEGOTIATE(0x01, null, false),
        CONNECT(0x02, Stage.CONNECT, true),
        EHLO(0x03, Stage.EHLO, true),
        MAIL(0x04, Stage.MAIL, true),
        RCPT(0x05, Stage.RCPT, true),
        DATA(0x06, Stage.DATA, true),
        MSG(0x07, null, true),
        DOT(0x08, Stage.DOT, true),
        ABORT(0x09, null, true),
        /** Ends the SMTP session; the only command that gets no reply. */
        CLOSE(0x0A, null, true),
        UNKNOWN(0x0B, null, true),
        /** Liveness probe without SEID, answered by a REPLY with RCODE CONTINUE and no SEID. */
        PING(0x0C, null, false);

        private static final Command[] BY_VALUE = indexByValue(values(), Command::value);

        private final int value;
        private final Stage macroStage;
        private final boolean session;

        Command(int value, Stage macroStage, boolean session) {
            this.value = value;
            this.macroStage = macroStage;
            this.session = session;
        }

        public int value() {
            return value;
        }

        /** The stage whose requested macros this command carries, or {@code null} if it carries none. */
        public Stage macroStage() {
            return macroStage;
        }

        /** Whether the command belongs to an SMTP session and has SEID as its third entry. */
        public boolean isSessionCommand() {
            return session;
        }

        /** Whether the pmilter answers this command (every command except CLOSE, §10.3). */
        public boolean expectsReply() {
            return this != CLOSE;
        }

        /** The command with this CMD value, or {@code null} if it is not a request command. */
        public static Command fromValue(long value) {
            return lookup(BY_VALUE, value);
        }
    }

    /** Reply commands the pmilter sends (§10.4). */
    public enum ReplyCommand {
        /** Answer to every session command and to PING. */
        REPLY(0x80),
        /** Answer to NEGOTIATE. */
        NEGOTIATE_REPLY(0x81);

        private static final ReplyCommand[] BY_VALUE = indexByValue(values(), ReplyCommand::value);

        private final int value;

        ReplyCommand(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        /** The reply command with this CMD value, or {@code null}. */
        public static ReplyCommand fromValue(long value) {
            return lookup(BY_VALUE, value);
        }
    }

    /** RCODE values (§10.4). {@link #requiredTextClass()} is the first digit a TEXT must start with. */
    public enum ReplyCode {
        CONTINUE(0, 0, null),
        /** Accept the rest of the transaction without asking again. */
        ACCEPT(1, 0, null),
        REJECT(2, '5', "550 5.7.1 Command rejected"),
        TEMPFAIL(3, '4', "451 4.7.1 Try again later"),
        /** Accept the message and throw it away; valid from MAIL on. */
        DISCARD(4, 0, null),
        /** smtps answers 421 and closes the SMTP session. The default text is this project's choice. */
        SHUTDOWN(5, '4', "421 4.3.0 Service not available, closing transmission channel"),
        /** The pmilter could not process the command; smtps treats it like a timeout (§10.9). */
        ERROR(6, 0, null);

        private static final ReplyCode[] BY_VALUE = indexByValue(values(), ReplyCode::value);

        private final int value;
        private final char requiredTextClass;
        private final String defaultText;

        ReplyCode(int value, int requiredTextClass, String defaultText) {
            this.value = value;
            this.requiredTextClass = (char) requiredTextClass;
            this.defaultText = defaultText;
        }

        public int value() {
            return value;
        }

        /** {@code '4'} or {@code '5'} if a TEXT for this code must start with that digit, else {@code 0}. */
        public char requiredTextClass() {
            return requiredTextClass;
        }

        /** SMTP reply smtps uses when no TEXT is given, or {@code null} if the code has none. */
        public String defaultText() {
            return defaultText;
        }

        /** The code with this RCODE value, or {@code null}. */
        public static ReplyCode fromValue(long value) {
            return lookup(BY_VALUE, value);
        }
    }

    /** CAPS bits (§10.5): the stages and the modification kinds. */
    public enum Capability {
        CONNECT(0x001),
        EHLO(0x002),
        MAIL(0x004),
        RCPT(0x008),
        DATA(0x010),
        MSG(0x020),
        DOT(0x040),
        UNKNOWN(0x080),
        /** smtps can add, insert, change and delete headers at DOT. */
        MOD_HDR(0x100),
        /** smtps can add and delete recipients at DOT. */
        MOD_RCPT(0x200),
        /** smtps can replace the body at DOT. */
        MOD_BODY(0x400),
        /** smtps can change the envelope sender at DOT. */
        MOD_MAIL(0x800);

        private final int bit;

        Capability(int bit) {
            this.bit = bit;
        }

        public int bit() {
            return bit;
        }

        /** Whether this bit is set in {@code caps}. */
        public boolean isSetIn(int caps) {
            return (caps & bit) != 0;
        }

        /** The OR of the given bits. */
        public static int mask(Capability... capabilities) {
            int mask = 0;
            for (Capability capability : capabilities) {
                mask |= capability.bit;
            }
            return mask;
        }

        /** The OR of the given bits. */
        public static int mask(Set<Capability> capabilities) {
            return mask(capabilities.toArray(new Capability[0]));
        }

        /** The known bits set in {@code caps}; unknown bits are left out. */
        public static EnumSet<Capability> fromMask(int caps) {
            EnumSet<Capability> set = EnumSet.noneOf(Capability.class);
            for (Capability capability : values()) {
                if (capability.isSetIn(caps)) {
                    set.add(capability);
                }
            }
            return set;
        }

        /** {@code "CONNECT|MAIL|0x4000"}: names of the known bits, hex for the rest; for logs. */
        public static String describe(int caps) {
            StringBuilder out = new StringBuilder();
            for (Capability capability : fromMask(caps)) {
                out.append(out.length() == 0 ? "" : "|").append(capability.name());
            }
            int unknown = caps & ~ALL_MASK;
            if (unknown != 0) {
                out.append(out.length() == 0 ? "" : "|").append("0x").append(Integer.toHexString(unknown));
            }
            return out.length() == 0 ? "none" : out.toString();
        }
    }

    /** Every stage bit: the commands a pmilter may ask to see. */
    public static final int STAGE_CAPS_MASK = Capability.mask(Capability.CONNECT, Capability.EHLO,
            Capability.MAIL, Capability.RCPT, Capability.DATA, Capability.MSG, Capability.DOT,
            Capability.UNKNOWN);
    /** Every modification bit: what smtps can apply at DOT. */
    public static final int MOD_CAPS_MASK = Capability.mask(Capability.MOD_HDR, Capability.MOD_RCPT,
            Capability.MOD_BODY, Capability.MOD_MAIL);
    /** Every bit this profile defines. */
    public static final int ALL_MASK = STAGE_CAPS_MASK | MOD_CAPS_MASK;

    /** MACSTAGE ids (§10.6), in SMTP order, each with the CAPS bit of the same stage. */
    public enum Stage {
        CONNECT(1, Capability.CONNECT),
        EHLO(2, Capability.EHLO),
        MAIL(3, Capability.MAIL),
        RCPT(4, Capability.RCPT),
        DATA(5, Capability.DATA),
        DOT(6, Capability.DOT);

        private static final Stage[] BY_VALUE = indexByValue(values(), Stage::id);

        private final int id;
        private final Capability capability;

        Stage(int id, Capability capability) {
            this.id = id;
            this.capability = capability;
        }

        public int id() {
            return id;
        }

        public Capability capability() {
            return capability;
        }

        /** The stage with this MACSTAGE id, or {@code null}. */
        public static Stage fromId(long id) {
            return lookup(BY_VALUE, id);
        }
    }

    /** When a macro has a value (§10.7, column "stages where valid"). */
    public enum MacroValidity {
        /** From CONNECT on. */
        ALWAYS,
        /** After the client has completed STARTTLS (stage-wise: from CONNECT on). */
        AFTER_STARTTLS,
        /** From {@link Macro#earliestStage()} on. */
        FROM_STAGE,
        /** At {@link Macro#earliestStage()} only. */
        ONLY_AT_STAGE
    }

    /**
     * MACID values (§10.7) with their {@code define-macros} names and aliases. The Sendmail names
     * pmult gives these to milters are pmult-server's business, not this protocol's.
     */
    public enum Macro {
        HOSTNAME(1, "hostname", MacroValidity.ALWAYS, Stage.CONNECT),
        CLIENT_RESOLVE(2, "client_resolve", MacroValidity.ALWAYS, Stage.CONNECT),
        TLS_VERSION(3, "tls_version", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_CIPHER_SUITE(4, "tls_cipher_suite", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_CIPHER_BITS(5, "tls_cipher_bits", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_CERT_SUBJECT(6, "tls_cert_subject", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_CERT_ISSUER(7, "tls_cert_issuer", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_ALG_BITS(8, "tls_alg_bits", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_VRFY(9, "tls_vrfy", MacroValidity.AFTER_STARTTLS, Stage.CONNECT),
        TLS_CN_SUBJECT(10, "tls_cn_subject", MacroValidity.AFTER_STARTTLS, Stage.CONNECT, "cn_subject"),
        TLS_CN_ISSUER(11, "tls_cn_issuer", MacroValidity.AFTER_STARTTLS, Stage.CONNECT, "cn_issuer"),
        AUTH_TYPE(12, "auth_type", MacroValidity.FROM_STAGE, Stage.MAIL),
        AUTH_AUTHEN(13, "auth_authen", MacroValidity.FROM_STAGE, Stage.MAIL),
        AUTH_AUTHOR(14, "auth_author", MacroValidity.FROM_STAGE, Stage.MAIL),
        /** MeTA1 transaction id. */
        TAID(15, "taid", MacroValidity.FROM_STAGE, Stage.MAIL),
        MSGID(16, "msgid", MacroValidity.ONLY_AT_STAGE, Stage.DOT),
        /** Hop count. */
        HOP_COUNT(17, "c", MacroValidity.FROM_STAGE, Stage.DATA);

        private static final Macro[] BY_ID = indexByValue(values(), Macro::id);
        private static final Map<String, Macro> BY_NAME = indexByName();

        private final int id;
        private final String configName;
        private final MacroValidity validity;
        private final Stage earliestStage;
        private final List<String> aliases;

        Macro(int id, String configName, MacroValidity validity, Stage earliestStage, String... aliases) {
            this.id = id;
            this.configName = configName;
            this.validity = validity;
            this.earliestStage = earliestStage;
            this.aliases = List.of(aliases);
        }

        public int id() {
            return id;
        }

        /** The name pmult's {@code define-macros} statement uses. */
        public String configName() {
            return configName;
        }

        /** Other names {@code define-macros} accepts for this macro. */
        public List<String> aliases() {
            return aliases;
        }

        public MacroValidity validity() {
            return validity;
        }

        /** First stage at which smtps can have a value for this macro. */
        public Stage earliestStage() {
            return earliestStage;
        }

        /** Whether smtps can have a value at {@code stage} (TLS macros also need STARTTLS). */
        public boolean isValidAt(Stage stage) {
            return switch (validity) {
                case ALWAYS, AFTER_STARTTLS -> true;
                case FROM_STAGE -> stage.compareTo(earliestStage) >= 0;
                case ONLY_AT_STAGE -> stage == earliestStage;
            };
        }

        /** The macro with this MACID, or {@code null} if this profile does not know it. */
        public static Macro fromId(long id) {
            return lookup(BY_ID, id);
        }

        /** The macro with this {@code define-macros} name or alias (case-insensitive), or {@code null}. */
        public static Macro fromConfigName(String name) {
            return BY_NAME.get(name.toLowerCase(Locale.ROOT));
        }

        private static Map<String, Macro> indexByName() {
            Map<String, Macro> byName = new HashMap<>();
            for (Macro macro : values()) {
                putUnique(byName, macro.configName, macro);
                for (String alias : macro.aliases) {
                    putUnique(byName, alias, macro);
                }
            }
            return Collections.unmodifiableMap(byName);
        }
    }

    /** MOD kinds in DOT replies (§10.8), each with the CAPS bit smtps must have offered. */
    public enum ModKind {
        /** MOD_NAME, MOD_VALUE. */
        ADD_HDR(1, Capability.MOD_HDR),
        /** MOD_IDX (position), MOD_NAME, MOD_VALUE. */
        INSERT_HDR(2, Capability.MOD_HDR),
        /** MOD_IDX (1-based instance of MOD_NAME), MOD_NAME, MOD_VALUE; empty value deletes. */
        CHANGE_HDR(3, Capability.MOD_HDR),
        /** MOD_VALUE. */
        ADD_RCPT(4, Capability.MOD_RCPT),
        /** MOD_VALUE. */
        DEL_RCPT(5, Capability.MOD_RCPT),
        /** MOD_VALUE, may repeat; the values are concatenated. */
        REPLACE_BODY(6, Capability.MOD_BODY),
        /** MOD_VALUE. */
        CHANGE_MAIL(7, Capability.MOD_MAIL);

        private static final ModKind[] BY_VALUE = indexByValue(values(), ModKind::value);

        private final int value;
        private final Capability capability;

        ModKind(int value, Capability capability) {
            this.value = value;
            this.capability = capability;
        }

        public int value() {
            return value;
        }

        public Capability capability() {
            return capability;
        }

        /** The kind with this MOD value, or {@code null}. */
        public static ModKind fromValue(long value) {
            return lookup(BY_VALUE, value);
        }
    }

    /** HELO_KIND values (§10.2). */
    public enum HeloKind {
        HELO(0),
        EHLO(1);

        private static final HeloKind[] BY_VALUE = indexByValue(values(), HeloKind::value);

        private final int value;

        HeloKind(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        /** The kind with this HELO_KIND value, or {@code null}. */
        public static HeloKind fromValue(long value) {
            return lookup(BY_VALUE, value);
        }
    }

    /** {@code 0x0021}: a u32 code as four hex digits (more if needed), for error messages and logs. */
    public static String hex4(long value) {
        return String.format(Locale.ROOT, "0x%04x", value);
    }

    /**
     * Largest code a lookup array may have to hold; every code in this profile is below it, so each
     * array stays a few hundred bytes. A constant above it fails class initialisation.
     */
    static final int MAX_INDEXED_CODE = 255;

    /**
     * The constants placed at the index of their code, {@code null} elsewhere: the lookup arrays are
     * built from the enum constants, so the enum stays the only table. An array instead of a
     * {@code HashMap<Integer, E>} because these lookups run for every entry and macro of every request.
     */
    private static <E> E[] indexByValue(E[] constants, ToIntFunction<E> value) {
        int max = 0;
        for (E constant : constants) {
            int code = value.applyAsInt(constant);
            if (code < 0 || code > MAX_INDEXED_CODE) {
                throw new ExceptionInInitializerError("pmilter code " + code + " of " + constant
                        + " (expected: 0.." + MAX_INDEXED_CODE + ")");
            }
            max = Math.max(max, code);
        }
        E[] byValue = Arrays.copyOf(constants, max + 1);
        Arrays.fill(byValue, null);
        for (E constant : constants) {
            int code = value.applyAsInt(constant);
            if (byValue[code] != null) {
                throw new ExceptionInInitializerError("pmilter code " + code + " used by both " + byValue[code]
                        + " and " + constant);
            }
            byValue[code] = constant;
        }
        return byValue;
    }

    /** The constant at {@code value}, or {@code null} if none has it (negative and huge values included). */
    private static <E> E lookup(E[] byValue, long value) {
        return value >= 0 && value < byValue.length ? byValue[(int) value] : null;
    }

    private static <K, E> void putUnique(Map<K, E> map, K key, E constant) {
        E previous = map.put(key, constant);
        if (previous != null) {
            throw new ExceptionInInitializerError("pmilter code " + key + " used by both " + previous + " and " + constant);
        }
    }
}
