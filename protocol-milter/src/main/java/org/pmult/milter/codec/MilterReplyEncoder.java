package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import org.pmult.milter.codec.MilterCodes.MacroStage;

import java.util.List;
import java.util.Map;

/**
 * Writes {@link MilterReply}s: the filter's side, used by test milters. A replacement body chunk
 * goes out as a 5-byte header followed by the chunk itself, not copied.
 */
@Sharable
public final class MilterReplyEncoder extends MessageToMessageEncoder<MilterReply> {

    private final int maxFrameLength;

    public MilterReplyEncoder(int maxFrameLength) {
        super(MilterReply.class);
        this.maxFrameLength = maxFrameLength;
    }

    public MilterReplyEncoder() {
        this(MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, MilterReply reply, List<Object> out) {
        if (reply instanceof MilterReply.ReplaceBody body) {
            ByteBuf content = body.content();
            out.add(MilterFrames.begin(ctx.alloc(), reply.reply().code(), content.readableBytes(),
                    maxFrameLength, reply.reply().libmilterName()));
            out.add(content.retain());
            return;
        }
        out.add(encode(ctx.alloc(), reply, maxFrameLength));
    }

    /** Encodes one reply into a single fresh buffer (a body chunk is copied here; the pipeline path does not copy). */
    public static ByteBuf encode(ByteBufAllocator alloc, MilterReply reply, int maxFrameLength) {
        String what = reply.reply().libmilterName();
        ByteBuf out = MilterFrames.begin(alloc, reply.reply().code(), payloadLength(reply, what), maxFrameLength, what);
        try {
            writePayload(out, reply, what);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        return MilterFrames.finish(out, what);
    }

    private static int payloadLength(MilterReply reply, String what) {
        return switch (reply.reply()) {
            case CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD, SKIP, CONN_FAIL, SHUTDOWN, PROGRESS -> 0;
            case REPLYCODE -> CStrings.encodedLength(((MilterReply.ReplyCode) reply).text(), what + " text");
            case ADDHEADER -> {
                MilterReply.AddHeader h = (MilterReply.AddHeader) reply;
                yield CStrings.encodedLength(h.name(), what + " name") + CStrings.encodedLength(h.value(), what + " value");
            }
            case INSHEADER -> {
                MilterReply.InsertHeader h = (MilterReply.InsertHeader) reply;
                yield 4 + CStrings.encodedLength(h.name(), what + " name") + CStrings.encodedLength(h.value(), what + " value");
            }
            case CHGHEADER -> {
                MilterReply.ChangeHeader h = (MilterReply.ChangeHeader) reply;
                yield 4 + CStrings.encodedLength(h.name(), what + " name") + CStrings.encodedLength(h.value(), what + " value");
            }
            case ADDRCPT -> CStrings.encodedLength(((MilterReply.AddRcpt) reply).recipient(), what + " recipient");
            case ADDRCPT_PAR -> {
                MilterReply.AddRcptWithArgs r = (MilterReply.AddRcptWithArgs) reply;
                yield CStrings.encodedLength(r.recipient(), what + " recipient")
                        + CStrings.encodedLength(r.esmtpArgs(), what + " ESMTP arguments");
            }
            case DELRCPT -> CStrings.encodedLength(((MilterReply.DeleteRcpt) reply).recipient(), what + " recipient");
            case CHGFROM -> {
                MilterReply.ChangeFrom f = (MilterReply.ChangeFrom) reply;
                yield CStrings.encodedLength(f.sender(), what + " sender")
                        + (f.esmtpArgs().isEmpty() ? 0 : CStrings.encodedLength(f.esmtpArgs(), what + " ESMTP arguments"));
            }
            case QUARANTINE -> CStrings.encodedLength(((MilterReply.Quarantine) reply).reason(), what + " reason");
            case REPLBODY -> ((MilterReply.ReplaceBody) reply).content().readableBytes();
            case OPTNEG -> {
                int length = 12;
                for (MilterMacroNames names : ((MilterReply.OptionNegotiation) reply).macroLists().values()) {
                    length += 4 + CStrings.encodedLength(names.toList(), what + " SETSYMLIST list");
                }
                yield length;
            }
            case SETSYMLIST -> throw new IllegalStateException("SMFIR_SETSYMLIST is not a reply of its own");
        };
    }

    private static void writePayload(ByteBuf out, MilterReply reply, String what) {
        switch (reply.reply()) {
            case CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD, SKIP, CONN_FAIL, SHUTDOWN, PROGRESS -> {
                // no payload
            }
            case REPLYCODE -> CStrings.write(out, ((MilterReply.ReplyCode) reply).text(), what + " text");
            case ADDHEADER -> {
                MilterReply.AddHeader h = (MilterReply.AddHeader) reply;
                CStrings.write(out, h.name(), what + " name");
                CStrings.write(out, h.value(), what + " value");
            }
            case INSHEADER -> {
                MilterReply.InsertHeader h = (MilterReply.InsertHeader) reply;
                out.writeInt(h.index());
                CStrings.write(out, h.name(), what + " name");
                CStrings.write(out, h.value(), what + " value");
            }
            case CHGHEADER -> {
                MilterReply.ChangeHeader h = (MilterReply.ChangeHeader) reply;
                out.writeInt(h.index());
                CStrings.write(out, h.name(), what + " name");
                CStrings.write(out, h.value(), what + " value");
            }
            case ADDRCPT -> CStrings.write(out, ((MilterReply.AddRcpt) reply).recipient(), what + " recipient");
            case ADDRCPT_PAR -> {
                MilterReply.AddRcptWithArgs r = (MilterReply.AddRcptWithArgs) reply;
                CStrings.write(out, r.recipient(), what + " recipient");
                CStrings.write(out, r.esmtpArgs(), what + " ESMTP arguments");
            }
            case DELRCPT -> CStrings.write(out, ((MilterReply.DeleteRcpt) reply).recipient(), what + " recipient");
            case CHGFROM -> {
                MilterReply.ChangeFrom f = (MilterReply.ChangeFrom) reply;
                CStrings.write(out, f.sender(), what + " sender");
                if (!f.esmtpArgs().isEmpty()) {
                    CStrings.write(out, f.esmtpArgs(), what + " ESMTP arguments");
                }
            }
            case QUARANTINE -> CStrings.write(out, ((MilterReply.Quarantine) reply).reason(), what + " reason");
            case REPLBODY -> {
                ByteBuf content = ((MilterReply.ReplaceBody) reply).content();
                out.writeBytes(content, content.readerIndex(), content.readableBytes());
            }
            case OPTNEG -> {
                MilterReply.OptionNegotiation o = (MilterReply.OptionNegotiation) reply;
                out.writeInt(o.version()).writeInt(o.actions()).writeInt(o.protocol());
                for (Map.Entry<MacroStage, MilterMacroNames> list : o.macroLists().entrySet()) {
                    out.writeInt(list.getKey().id());
                    CStrings.write(out, list.getValue().toList(), what + " SETSYMLIST list");
                }
            }
            case SETSYMLIST -> throw new IllegalStateException("SMFIR_SETSYMLIST is not a reply of its own");
        }
    }
}
