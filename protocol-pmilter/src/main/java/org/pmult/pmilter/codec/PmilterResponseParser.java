package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pmult.pmilter.codec.PmilterCodecException.Problem;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ModKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCommand;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterCodes.Tag;

/**
 * Turns one complete message from the pmilter into a {@link PmilterResponse} (§10.4). Stateless.
 * Unknown tags are skipped; a known tag that does not belong, a duplicate, or a missing required
 * entry is an error. In a NEGOTIATE_REPLY, a MACSTAGE or MACID this profile does not know is
 * skipped (smtps could not supply it anyway) but still counts towards the limit of eight.
 */
public final class PmilterResponseParser {

    private static final EnumSet<Tag> REPLY_TAGS =
            EnumSet.of(Tag.RCODE, Tag.TEXT, Tag.MOD, Tag.MOD_IDX, Tag.MOD_NAME, Tag.MOD_VALUE);
    private static final EnumSet<Tag> NEGOTIATE_REPLY_TAGS =
            EnumSet.of(Tag.CAPS, Tag.MAXSESS, Tag.MACSTAGE, Tag.MACID);

    private PmilterResponseParser() {
    }

    /**
     * Parses one message. {@code frame} holds exactly the u32 length prefix and the L bytes after it;
     * it is not released and nothing keeps a reference to it.
     *
     * @throws PmilterCodecException if the message breaks the profile
     */
    public static PmilterResponse parse(ByteBuf frame) {
        try {
            return parseChecked(frame);
        } catch (IllegalArgumentException e) {
            // A record refused a decoded value the entry checks let through; still the peer's fault.
            throw new PmilterCodecException(Problem.VALUE, e.getMessage());
        }
    }

    private static PmilterResponse parseChecked(ByteBuf frame) {
        PmilterEntryReader reader = new PmilterEntryReader(frame);
        long code = reader.readProtAndCmd();
        ReplyCommand command = ReplyCommand.fromValue(code);
        if (command == null) {
            return new PmilterResponse.UnknownReply(code, reader.readSeidIfPresent());
        }
        return switch (command) {
            case REPLY -> parseReply(reader);
            case NEGOTIATE_REPLY -> parseNegotiateReply(reader);
        };
    }

    private static PmilterResponse parseReply(PmilterEntryReader reader) {
        String seid = reader.readSeidIfPresent();
        String context = seid == null ? "REPLY to PING" : "REPLY";
        ReplyCode code = null;
        String text = null;
        int textOffset = -1;
        List<PmilterModification> modifications = new ArrayList<>();
        ModGroup group = null;
        while (reader.hasNext()) {
            reader.next();
            Tag tag = reader.tag();
            if (tag == null) {
                continue; // unknown tag: ignored for forward compatibility (§10.1)
            }
            if (!REPLY_TAGS.contains(tag) || (seid == null && tag != Tag.RCODE)) {
                throw reader.error(Problem.STRUCTURE, context + ": unexpected entry " + tag.describe());
            }
            switch (tag) {
                case RCODE -> {
                    if (code != null) {
                        throw reader.error(Problem.STRUCTURE, context + ": duplicate entry " + tag.describe());
                    }
                    code = replyCode(reader);
                }
                case TEXT -> {
                    if (text != null) {
                        throw reader.error(Problem.STRUCTURE, context + ": duplicate entry " + tag.describe());
                    }
                    text = reader.stringValue();
                    textOffset = reader.offset();
                }
                case MOD -> {
                    if (group != null) {
                        modifications.add(group.build());
                    }
                    group = new ModGroup(modKind(reader), reader.offset());
                }
                default -> {
                    if (group == null) {
                        throw reader.error(Problem.STRUCTURE, context + ": " + tag.describe() + " outside a " + Tag.MOD.describe() + " group");
                    }
                    group.accept(reader);
                }
            }
        }
        if (group != null) {
            modifications.add(group.build());
        }
        if (code == null) {
            throw new PmilterCodecException(Problem.STRUCTURE, context + ": missing entry " + Tag.RCODE.describe());
        }
        if (seid == null) {
            if (code != ReplyCode.CONTINUE) {
                throw new PmilterCodecException(Problem.VALUE, context + ": RCODE: " + code + " (expected: CONTINUE)");
            }
            return new PmilterResponse.PingReply();
        }
        try {
            Checks.replyText(code, text);
        } catch (IllegalArgumentException e) {
            throw new PmilterCodecException(Problem.VALUE, "REPLY: " + e.getMessage(), textOffset);
        }
        return new PmilterResponse.Reply(seid, code, text, modifications);
    }

    private static PmilterResponse parseNegotiateReply(PmilterEntryReader reader) {
        String context = ReplyCommand.NEGOTIATE_REPLY.name();
        EnumSet<Tag> seen = EnumSet.noneOf(Tag.class);
        int caps = 0;
        int maxSessions = 0;
        Map<Stage, List<Macro>> macroRequests = new LinkedHashMap<>();
        List<Macro> currentMacros = null;
        String currentStage = null;
        int currentCount = 0;
        List<Long> seenStages = new ArrayList<>();
        while (reader.hasNext()) {
            reader.next();
            Tag tag = reader.tag();
            if (tag == null) {
                continue;
            }
            if (!NEGOTIATE_REPLY_TAGS.contains(tag)) {
                throw reader.error(Problem.STRUCTURE, context + ": unexpected entry " + tag.describe());
            }
            switch (tag) {
                case CAPS, MAXSESS -> {
                    if (!seen.add(tag)) {
                        throw reader.error(Problem.STRUCTURE, context + ": duplicate entry " + tag.describe());
                    }
                    if (tag == Tag.CAPS) {
                        caps = (int) reader.intValue();
                    } else {
                        maxSessions = reader.nonNegativeIntValue();
                    }
                }
                case MACSTAGE -> {
                    long id = reader.intValue();
                    if (seenStages.contains(id)) {
                        throw reader.error(Problem.STRUCTURE, context + ": duplicate MACSTAGE " + id);
                    }
                    seenStages.add(id);
                    Stage stage = Stage.fromId(id);
                    currentStage = stage == null ? "stage " + id : stage.name();
                    currentCount = 0;
                    currentMacros = new ArrayList<>();
                    if (stage != null) {
                        macroRequests.put(stage, currentMacros);
                    }
                }
                case MACID -> {
                    if (currentMacros == null) {
                        throw reader.error(Problem.STRUCTURE, context + ": " + Tag.MACID.describe() + " before any "
                                + Tag.MACSTAGE.describe());
                    }
                    long id = reader.intValue();
                    currentCount++;
                    if (currentCount > PmilterCodes.MAX_MACROS_PER_STAGE) {
                        throw reader.error(Problem.STRUCTURE, context + ": MACID entries for " + currentStage + ": " + currentCount
                                + " (expected: <= " + PmilterCodes.MAX_MACROS_PER_STAGE + ")");
                    }
                    Macro macro = Macro.fromId(id);
                    if (macro != null) {
                        currentMacros.add(macro);
                    }
                }
                default -> throw new IllegalStateException("tag allowed but not handled: " + tag);
            }
        }
        for (Tag required : List.of(Tag.CAPS, Tag.MAXSESS)) {
            if (!seen.contains(required)) {
                throw new PmilterCodecException(Problem.STRUCTURE, context + ": missing entry " + required.describe());
            }
        }
        return new PmilterResponse.NegotiateReply(caps, maxSessions, macroRequests);
    }

    private static ReplyCode replyCode(PmilterEntryReader reader) {
        long value = reader.intValue();
        ReplyCode code = ReplyCode.fromValue(value);
        if (code == null) {
            throw reader.error(Problem.VALUE, "RCODE: " + value + " (expected: " + ReplyCode.CONTINUE.value() + ".."
                    + ReplyCode.values()[ReplyCode.values().length - 1].value() + ")");
        }
        return code;
    }

    private static ModKind modKind(PmilterEntryReader reader) {
        long value = reader.intValue();
        ModKind kind = ModKind.fromValue(value);
        if (kind == null) {
            throw reader.error(Problem.VALUE, "MOD: " + value + " (expected: " + ModKind.values()[0].value() + ".."
                    + ModKind.values()[ModKind.values().length - 1].value() + ")");
        }
        return kind;
    }

    /** The entries of one MOD group. */
    private static final class ModGroup {
        private final ModKind kind;
        private final int offset;
        private final EnumSet<Tag> seen = EnumSet.noneOf(Tag.class);
        private int index;
        private String name;
        private byte[] value;
        /** REPLACE_BODY may repeat MOD_VALUE; the values are concatenated. */
        private ByteArrayOutputStream body;

        ModGroup(ModKind kind, int offset) {
            this.kind = kind;
            this.offset = offset;
        }

        void accept(PmilterEntryReader reader) {
            Tag tag = reader.tag();
            if (!allowed(tag)) {
                throw reader.error(Problem.STRUCTURE, "MOD " + kind + ": unexpected entry " + tag.describe());
            }
            boolean repeatable = kind == ModKind.REPLACE_BODY && tag == Tag.MOD_VALUE;
            if (!seen.add(tag) && !repeatable) {
                throw reader.error(Problem.STRUCTURE, "MOD " + kind + ": duplicate entry " + tag.describe());
            }
            switch (tag) {
                case MOD_IDX -> index = reader.nonNegativeIntValue();
                case MOD_NAME -> name = reader.stringValue();
                case MOD_VALUE -> {
                    if (repeatable) {
                        if (body == null) {
                            body = new ByteArrayOutputStream(reader.valueLength());
                        }
                        body.writeBytes(reader.bytesValue());
                    } else {
                        value = reader.bytesValue();
                    }
                }
                default -> throw new IllegalStateException("tag allowed but not handled: " + tag);
            }
        }

        private boolean allowed(Tag tag) {
            return switch (kind) {
                case ADD_HDR -> tag == Tag.MOD_NAME || tag == Tag.MOD_VALUE;
                case INSERT_HDR, CHANGE_HDR -> tag == Tag.MOD_IDX || tag == Tag.MOD_NAME || tag == Tag.MOD_VALUE;
                case ADD_RCPT, DEL_RCPT, REPLACE_BODY, CHANGE_MAIL -> tag == Tag.MOD_VALUE;
            };
        }

        PmilterModification build() {
            for (Tag required : List.of(Tag.MOD_IDX, Tag.MOD_NAME, Tag.MOD_VALUE)) {
                if (allowed(required) && !seen.contains(required)) {
                    throw new PmilterCodecException(Problem.STRUCTURE, "MOD " + kind + ": missing entry " + required.describe(), offset);
                }
            }
            try {
                return switch (kind) {
                    case ADD_HDR -> new PmilterModification.AddHeader(name, string(value));
                    case INSERT_HDR -> new PmilterModification.InsertHeader(index, name, string(value));
                    case CHANGE_HDR -> new PmilterModification.ChangeHeader(index, name, string(value));
                    case ADD_RCPT -> new PmilterModification.AddRecipient(string(value));
                    case DEL_RCPT -> new PmilterModification.DeleteRecipient(string(value));
                    case REPLACE_BODY -> new PmilterModification.ReplaceBody(body.toByteArray());
                    case CHANGE_MAIL -> new PmilterModification.ChangeSender(string(value));
                };
            } catch (IllegalArgumentException e) {
                throw new PmilterCodecException(Problem.VALUE, "MOD " + kind + ": " + e.getMessage(), offset);
            }
        }

        private static String string(byte[] bytes) {
            return new String(bytes, PmilterCodes.STRING_CHARSET);
        }
    }
}
