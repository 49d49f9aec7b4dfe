package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCodes.Reply;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A reply the filter sends to the MTA ({@code SMFIR_*}), one immutable type per reply. The
 * end-of-message changes form the {@link Modification} subfamily; only {@link ReplaceBody} holds a
 * reference-counted buffer.
 */
public sealed interface MilterReply {

    Continue CONTINUE = new Continue();
    Accept ACCEPT = new Accept();
    Reject REJECT = new Reject();
    Tempfail TEMPFAIL = new Tempfail();
    Discard DISCARD = new Discard();
    Skip SKIP = new Skip();
    ConnectionFail CONNECTION_FAIL = new ConnectionFail();
    Shutdown SHUTDOWN = new Shutdown();
    Progress PROGRESS = new Progress();

    /** The wire code of this reply. */
    Reply reply();

    /** A change to the message, allowed only during end of message and only if its action was negotiated. */
    sealed interface Modification extends MilterReply {
        /** The action flag the filter must have been granted to send this. */
        default ActionFlag requiredAction() {
            return reply().requiredAction();
        }
    }

    /** SMFIR_CONTINUE: go on. */
    record Continue() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.CONTINUE;
        }
    }

    /** SMFIR_ACCEPT: accept; the filter wants no more events for this message (or connection). */
    record Accept() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.ACCEPT;
        }
    }

    /** SMFIR_REJECT: reject with the MTA's default 5xx text. */
    record Reject() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.REJECT;
        }
    }

    /** SMFIR_TEMPFAIL: refuse with the MTA's default 4xx text. */
    record Tempfail() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.TEMPFAIL;
        }
    }

    /** SMFIR_DISCARD: accept the message and silently drop it. */
    record Discard() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.DISCARD;
        }
    }

    /** SMFIR_REPLYCODE: refuse with this full SMTP reply, e.g. {@code 550 5.7.1 Go away}. */
    record ReplyCode(String text) implements MilterReply {
        public ReplyCode {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public Reply reply() {
            return Reply.REPLYCODE;
        }
    }

    /** SMFIR_SKIP (v6): send no more body chunks, go on with end of message. */
    record Skip() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.SKIP;
        }
    }

    /** SMFIR_CONN_FAIL: drop the SMTP connection. */
    record ConnectionFail() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.CONN_FAIL;
        }
    }

    /** SMFIR_SHUTDOWN: the filter is shutting down (MTA answers 421). */
    record Shutdown() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.SHUTDOWN;
        }
    }

    /** SMFIR_PROGRESS: still working on end of message; restart the MTA's timer. */
    record Progress() implements MilterReply {
        @Override
        public Reply reply() {
            return Reply.PROGRESS;
        }
    }

    /**
     * SMFIR_OPTNEG: the version, actions and protocol flags the filter chose, plus the macro lists it
     * asked for per stage (v6 SETSYMLIST records that follow the 12 fixed bytes).
     */
    record OptionNegotiation(int version, int actions, int protocol, Map<MacroStage, MilterMacroNames> macroLists)
            implements MilterReply {
        public OptionNegotiation {
            macroLists = macroLists.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(macroLists));
        }

        /** A reply without macro lists. */
        public OptionNegotiation(int version, int actions, int protocol) {
            this(version, actions, protocol, Map.of());
        }

        @Override
        public Reply reply() {
            return Reply.OPTNEG;
        }

        @Override
        public String toString() {
            return "OptionNegotiation[version=" + version + ", actions=" + ActionFlag.describe(actions)
                    + ", protocol=" + ProtocolFlag.describe(protocol) + ", macroLists=" + macroLists + "]";
        }
    }

    /** SMFIR_ADDHEADER: append a header. */
    record AddHeader(String name, String value) implements Modification {
        public AddHeader {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Reply reply() {
            return Reply.ADDHEADER;
        }
    }

    /** SMFIR_INSHEADER: insert a header at position {@code index} (0 = first). */
    record InsertHeader(int index, String name, String value) implements Modification {
        public InsertHeader {
            requireIndex(index);
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Reply reply() {
            return Reply.INSHEADER;
        }
    }

    /** SMFIR_CHGHEADER: change the {@code index}-th (1-based) header called {@code name}; an empty value deletes it. */
    record ChangeHeader(int index, String name, String value) implements Modification {
        public ChangeHeader {
            requireIndex(index);
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Reply reply() {
            return Reply.CHGHEADER;
        }
    }

    /** SMFIR_ADDRCPT: add a recipient. */
    record AddRcpt(String recipient) implements Modification {
        public AddRcpt {
            Objects.requireNonNull(recipient, "recipient");
        }

        @Override
        public Reply reply() {
            return Reply.ADDRCPT;
        }
    }

    /** SMFIR_ADDRCPT_PAR (v6): add a recipient with ESMTP arguments. */
    record AddRcptWithArgs(String recipient, String esmtpArgs) implements Modification {
        public AddRcptWithArgs {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(esmtpArgs, "esmtpArgs");
        }

        @Override
        public Reply reply() {
            return Reply.ADDRCPT_PAR;
        }
    }

    /** SMFIR_DELRCPT: remove a recipient. */
    record DeleteRcpt(String recipient) implements Modification {
        public DeleteRcpt {
            Objects.requireNonNull(recipient, "recipient");
        }

        @Override
        public Reply reply() {
            return Reply.DELRCPT;
        }
    }

    /** SMFIR_CHGFROM (v6): replace the envelope sender; {@code esmtpArgs} is empty when none were given. */
    record ChangeFrom(String sender, String esmtpArgs) implements Modification {
        public ChangeFrom {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(esmtpArgs, "esmtpArgs");
        }

        @Override
        public Reply reply() {
            return Reply.CHGFROM;
        }
    }

    /**
     * SMFIR_REPLBODY: one chunk of the new body; all chunks of one end of message, in order, replace
     * the body. Reference counted: whoever receives it releases it.
     */
    final class ReplaceBody extends DefaultByteBufHolder implements Modification {
        public ReplaceBody(ByteBuf content) {
            super(content);
        }

        @Override
        public Reply reply() {
            return Reply.REPLBODY;
        }

        @Override
        public ReplaceBody replace(ByteBuf content) {
            return new ReplaceBody(content);
        }

        @Override
        public ReplaceBody retain() {
            super.retain();
            return this;
        }

        @Override
        public ReplaceBody touch(Object hint) {
            super.touch(hint);
            return this;
        }

        @Override
        public String toString() {
            return "ReplaceBody[" + content().readableBytes() + " bytes]";
        }
    }

    /** SMFIR_QUARANTINE: hold the message, with a reason. */
    record Quarantine(String reason) implements Modification {
        public Quarantine {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public Reply reply() {
            return Reply.QUARANTINE;
        }
    }

    private static void requireIndex(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("header index: " + index + " (expected: >= 0)");
        }
    }
}
