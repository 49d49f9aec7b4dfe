package org.pmult.milter.client;

import org.pmult.milter.codec.MilterReply;

import java.util.Objects;

/**
 * The filter's decision for one stage, or — as {@link DefaultActionApplied} — the configured default
 * action standing in for a filter that failed. {@link #type()} allows a plain {@code switch} in Java 17.
 */
public sealed interface MilterVerdict {

    Continue CONTINUE = new Continue();
    Accept ACCEPT = new Accept();
    Reject REJECT = new Reject();
    Tempfail TEMPFAIL = new Tempfail();
    Discard DISCARD = new Discard();
    Skip SKIP = new Skip();
    ConnectionFail CONNECTION_FAIL = new ConnectionFail();
    Shutdown SHUTDOWN = new Shutdown();

    /** One constant per verdict type. */
    enum Type {
        CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD, REPLY_CODE, SKIP, CONNECTION_FAIL, SHUTDOWN, DEFAULT_ACTION
    }

    Type type();

    /** The verdict to act on: itself, or for a default action the verdict that action stands for. */
    default MilterVerdict resolved() {
        return this;
    }

    /** True when the filter did not decide this itself: the session failed and applied its default action. */
    default boolean isDefaultAction() {
        return false;
    }

    /** The verdict a final reply stands for; throws IllegalArgumentException for a reply that is no verdict. */
    static MilterVerdict of(MilterReply reply) {
        return switch (reply.reply()) {
            case CONTINUE -> CONTINUE;
            case ACCEPT -> ACCEPT;
            case REJECT -> REJECT;
            case TEMPFAIL -> TEMPFAIL;
            case DISCARD -> DISCARD;
            case SKIP -> SKIP;
            case CONN_FAIL -> CONNECTION_FAIL;
            case SHUTDOWN -> SHUTDOWN;
            case REPLYCODE -> new ReplyCode(((MilterReply.ReplyCode) reply).text());
            default -> throw new IllegalArgumentException(reply.reply().libmilterName() + " is not a verdict");
        };
    }

    /** Go on. */
    record Continue() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.CONTINUE;
        }
    }

    /** Accept; the filter wants no more events for this message (or, at connect/helo, this connection). */
    record Accept() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.ACCEPT;
        }
    }

    /** Reject with the MTA's default 5xx reply (at rcpt: this recipient only). */
    record Reject() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.REJECT;
        }
    }

    /** Refuse with the MTA's default 4xx reply. */
    record Tempfail() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.TEMPFAIL;
        }
    }

    /** Accept the message and silently drop it. */
    record Discard() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.DISCARD;
        }
    }

    /** Send no more body chunks; the session answers further body calls with this too. */
    record Skip() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.SKIP;
        }
    }

    /** The filter asks to drop the SMTP connection. */
    record ConnectionFail() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.CONNECTION_FAIL;
        }
    }

    /** The filter is shutting down (421). */
    record Shutdown() implements MilterVerdict {
        @Override
        public Type type() {
            return Type.SHUTDOWN;
        }
    }

    /** Refuse with this SMTP reply, e.g. {@code 550 5.7.1 Sender blocked}; 4xx is temporary, 5xx permanent. */
    record ReplyCode(String text) implements MilterVerdict {
        public ReplyCode {
            if (!isWellFormed(text)) {
                throw new IllegalArgumentException("SMTP reply: \"" + text + "\" (expected: 4xx or 5xx code first)");
            }
        }

        /** Whether {@code text} starts with a 4xx or 5xx code followed by a space, a dash or nothing. */
        public static boolean isWellFormed(String text) {
            return text != null && text.length() >= 3
                    && (text.charAt(0) == '4' || text.charAt(0) == '5')
                    && Character.isDigit(text.charAt(1)) && Character.isDigit(text.charAt(2))
                    && (text.length() == 3 || text.charAt(3) == ' ' || text.charAt(3) == '-');
        }

        /** The three-digit SMTP code. */
        public int code() {
            return Integer.parseInt(text.substring(0, 3));
        }

        /** True for a 4xx reply. */
        public boolean isTemporary() {
            return text.charAt(0) == '4';
        }

        @Override
        public Type type() {
            return Type.REPLY_CODE;
        }
    }

    /** The filter failed; this is the configured default action, with the failure that caused it. */
    record DefaultActionApplied(DefaultAction action, MilterFailure failure) implements MilterVerdict {
        public DefaultActionApplied {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(failure, "failure");
        }

        @Override
        public Type type() {
            return Type.DEFAULT_ACTION;
        }

        @Override
        public MilterVerdict resolved() {
            return action.verdict();
        }

        @Override
        public boolean isDefaultAction() {
            return true;
        }
    }
}
