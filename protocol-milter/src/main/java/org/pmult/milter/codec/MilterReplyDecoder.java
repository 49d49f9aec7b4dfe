package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns packets from {@link MilterFrameDecoder} into {@link MilterReply}s (the MTA side reads
 * these). Every field is checked; bytes left after the last field are an error, except the
 * SETSYMLIST records after an OPTNEG reply, which are read at any version above 2 — GNU mailfromd
 * sends them even when SMFIF_SETSYMLIST was not offered. Lists seen before (a filter sends the
 * same ones on every connection) decode to the same {@link MilterMacroNames} instance, from a small
 * bounded {@link MacroListCache}.
 */
@Sharable
public final class MilterReplyDecoder extends MessageToMessageDecoder<ByteBuf> {

    private static final Logger LOG = LoggerFactory.getLogger(MilterReplyDecoder.class);
    private static final int OPTNEG_FIXED_BYTES = 12;
    /** Lists seen before, shared by every channel: a filter sends the same lists on every connection. */
    private static final MacroListCache MACRO_LISTS = new MacroListCache(MacroListCache.DEFAULT_SLOTS);

    public MilterReplyDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf packet, List<Object> out) {
        out.add(decode(packet));
    }

    /** Decodes one packet (code byte first) without consuming its reference. */
    public static MilterReply decode(ByteBuf packet) {
        Reply code = Reply.of(packet.readByte());
        String what = code.libmilterName();
        MilterReply reply = switch (code) {
            case CONTINUE -> MilterReply.CONTINUE;
            case ACCEPT -> MilterReply.ACCEPT;
            case REJECT -> MilterReply.REJECT;
            case TEMPFAIL -> MilterReply.TEMPFAIL;
            case DISCARD -> MilterReply.DISCARD;
            case SKIP -> MilterReply.SKIP;
            case CONN_FAIL -> MilterReply.CONNECTION_FAIL;
            case SHUTDOWN -> MilterReply.SHUTDOWN;
            case PROGRESS -> MilterReply.PROGRESS;
            case REPLYCODE -> new MilterReply.ReplyCode(CStrings.read(packet, what, "text"));
            case ADDHEADER -> new MilterReply.AddHeader(CStrings.read(packet, what, "name"),
                    CStrings.read(packet, what, "value"));
            case INSHEADER -> new MilterReply.InsertHeader(MilterFrames.readCount(packet, what, "index"),
                    CStrings.read(packet, what, "name"), CStrings.read(packet, what, "value"));
            case CHGHEADER -> new MilterReply.ChangeHeader(MilterFrames.readCount(packet, what, "index"),
                    CStrings.read(packet, what, "name"), CStrings.read(packet, what, "value"));
            case ADDRCPT -> new MilterReply.AddRcpt(CStrings.read(packet, what, "recipient"));
            case ADDRCPT_PAR -> new MilterReply.AddRcptWithArgs(CStrings.read(packet, what, "recipient"),
                    optional(packet, what, "ESMTP arguments"));
            case DELRCPT -> new MilterReply.DeleteRcpt(CStrings.read(packet, what, "recipient"));
            case CHGFROM -> new MilterReply.ChangeFrom(CStrings.read(packet, what, "sender"),
                    optional(packet, what, "ESMTP arguments"));
            case QUARANTINE -> new MilterReply.Quarantine(CStrings.read(packet, what, "reason"));
            case REPLBODY -> new MilterReply.ReplaceBody(packet.readRetainedSlice(packet.readableBytes()));
            case OPTNEG -> decodeOptionNegotiation(packet, what);
            case SETSYMLIST -> throw new MilterCodecException(what
                    + ": only allowed inside an SMFIR_OPTNEG reply, not as a packet of its own");
        };
        if (packet.isReadable()) {
            ReferenceCountUtil.release(reply);
            MilterFrames.requireEnd(packet, what);
        }
        return reply;
    }

    /** Macro lists the decoder currently keeps, for tests. */
    static int cachedMacroLists() {
        return MACRO_LISTS.size();
    }

    private static String optional(ByteBuf packet, String what, String field) {
        return packet.isReadable() ? CStrings.read(packet, what, field) : "";
    }

    private static MilterReply.OptionNegotiation decodeOptionNegotiation(ByteBuf packet, String what) {
        if (packet.readableBytes() < OPTNEG_FIXED_BYTES) {
            throw new MilterCodecException(what + ": " + packet.readableBytes() + " bytes (expected: >= "
                    + OPTNEG_FIXED_BYTES + ")");
        }
        int version = packet.readInt();
        int actions = packet.readInt();
        int protocol = packet.readInt();
        if (version <= MilterCodes.MIN_VERSION) {
            // Version 2 knows no macro lists; whatever follows is not ours to interpret.
            packet.skipBytes(packet.readableBytes());
            return new MilterReply.OptionNegotiation(version, actions, protocol);
        }
        Map<MacroStage, MilterMacroNames> lists = new EnumMap<>(MacroStage.class);
        int unknownStages = 0;
        int firstUnknown = 0;
        while (packet.isReadable()) {
            int id = MilterFrames.readCount(packet, what, "SETSYMLIST stage");
            int start = packet.readerIndex();
            int nul = CStrings.nulIndex(packet, what, "SETSYMLIST list");
            packet.readerIndex(nul + 1);
            if (!MacroStage.isKnown(id)) {
                if (unknownStages++ == 0) {
                    firstUnknown = id;
                }
                continue;
            }
            MacroStage stage = MacroStage.of(id);
            if (lists.put(stage, MACRO_LISTS.namesOf(packet, start, nul - start)) != null) {
                throw new MilterCodecException(what + ": SETSYMLIST stage " + stage.libmilterName() + " listed twice");
            }
        }
        if (unknownStages > 0) {
            // One line per reply, however many lists a filter sends (a hostile one could send thousands).
            LOG.warn("{}: ignoring {} macro list(s) for unknown stages (first: {})", what, unknownStages, firstUnknown);
        }
        return new MilterReply.OptionNegotiation(version, actions, protocol, lists);
    }
}
