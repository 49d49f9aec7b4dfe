package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import java.net.InetAddress;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;

/**
 * A message smtps sends to the pmilter (§10.3). Records are immutable and check their arguments
 * against the profile; only {@link Msg} holds a reference-counted buffer and must be released.
 */
public sealed interface PmilterRequest
        permits PmilterRequest.Negotiate, PmilterRequest.Ping, PmilterRequest.UnknownCommand,
        PmilterRequest.SessionRequest {

    /** A request that belongs to one SMTP session: SEID is its third entry. */
    sealed interface SessionRequest extends PmilterRequest
            permits Connect, Ehlo, Mail, Rcpt, Data, Msg, Dot, Abort, Close, Unknown {

        /** MeTA1's session id, 1..64 bytes. */
        String seid();

        Command command();

        /** Macro values smtps sent with this command; empty for commands that carry none. */
        default PmilterMacros macros() {
            return PmilterMacros.EMPTY;
        }
    }

    /** NEGOTIATE: what smtps can send and apply, and how many sessions it may multiplex (0 = no limit). */
    record Negotiate(int caps, int maxSessions) implements PmilterRequest {
        public Negotiate {
            Checks.nonNegative("MAXSESS", maxSessions);
        }

        @Override
        public String toString() {
            return "Negotiate[caps=" + PmilterCodes.Capability.describe(caps) + ", maxSessions=" + maxSessions + "]";
        }
    }

    /** PING: liveness probe, answered by {@link PmilterResponse.PingReply}. */
    record Ping() implements PmilterRequest {
    }

    /**
     * A CMD value this profile does not know (a newer smtps, or a reply code sent the wrong way). With
     * a SEID the server answers REPLY/ERROR; without one it only logs it (§10.1).
     *
     * @param code the CMD value as an unsigned 32-bit number
     * @param seid the SEID if the third entry was one, else {@code null}
     */
    record UnknownCommand(long code, String seid) implements PmilterRequest {
        public UnknownCommand {
            if (code < 0 || code > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("CMD: " + code + " (expected: 0..4294967295)");
            }
            if (seid != null) {
                Checks.seid(seid);
            }
        }
    }

    /** CONNECT: a new SMTP session from {@code clientAddress} (IPv4 or IPv6) port {@code port}. */
    record Connect(String seid, InetAddress clientAddress, int port, String clientName, PmilterMacros macros)
            implements SessionRequest {
        public Connect {
            Checks.seid(seid);
            Objects.requireNonNull(clientAddress, "clientAddress");
            Checks.port(port);
            Objects.requireNonNull(clientName, "clientName");
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.CONNECT;
        }
    }

    /** EHLO or HELO with its argument. */
    record Ehlo(String seid, String heloArg, HeloKind kind, PmilterMacros macros) implements SessionRequest {
        public Ehlo {
            Checks.seid(seid);
            Objects.requireNonNull(heloArg, "heloArg");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.EHLO;
        }
    }

    /**
     * MAIL with the reverse-path including angle brackets ({@code <a@b>}, {@code <>}).
     *
     * @param esmtpArgs space-separated ESMTP parameters, or {@code null} if there were none
     */
    record Mail(String seid, String reversePath, String esmtpArgs, PmilterMacros macros) implements SessionRequest {
        public Mail {
            Checks.seid(seid);
            Objects.requireNonNull(reversePath, "reversePath");
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.MAIL;
        }
    }

    /**
     * RCPT with the forward-path including angle brackets.
     *
     * @param index     0-based index of this recipient in the transaction
     * @param esmtpArgs space-separated ESMTP parameters, or {@code null} if there were none
     */
    record Rcpt(String seid, String forwardPath, int index, String esmtpArgs, PmilterMacros macros)
            implements SessionRequest {
        public Rcpt {
            Checks.seid(seid);
            Objects.requireNonNull(forwardPath, "forwardPath");
            Checks.nonNegative("RCPT_IDX", index);
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.RCPT;
        }
    }

    /** DATA: the client gave the DATA command. */
    record Data(String seid, PmilterMacros macros) implements SessionRequest {
        public Data {
            Checks.seid(seid);
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.DATA;
        }
    }

    /**
     * MSG: the next chunk of the message (headers and body as received, CRLF, dot-unstuffed), at most
     * {@link PmilterCodes#MAX_CHUNK_LENGTH} bytes. The decoder hands out a retained slice of the frame
     * (no copy); whoever receives a Msg owns one reference and must release it. The encoder releases it.
     */
    record Msg(String seid, ByteBuf chunk) implements SessionRequest, ByteBufHolder {
        public Msg {
            Checks.seid(seid);
            Objects.requireNonNull(chunk, "chunk");
            if (chunk.readableBytes() > PmilterCodes.MAX_CHUNK_LENGTH) {
                throw new IllegalArgumentException("CHUNK length: " + chunk.readableBytes()
                        + " (expected: <= " + PmilterCodes.MAX_CHUNK_LENGTH + ")");
            }
        }

        @Override
        public Command command() {
            return Command.MSG;
        }

        @Override
        public ByteBuf content() {
            return chunk;
        }

        @Override
        public Msg copy() {
            return replace(chunk.copy());
        }

        @Override
        public Msg duplicate() {
            return replace(chunk.duplicate());
        }

        @Override
        public Msg retainedDuplicate() {
            return replace(chunk.retainedDuplicate());
        }

        @Override
        public Msg replace(ByteBuf content) {
            return new Msg(seid, content);
        }

        @Override
        public int refCnt() {
            return chunk.refCnt();
        }

        @Override
        public Msg retain() {
            chunk.retain();
            return this;
        }

        @Override
        public Msg retain(int increment) {
            chunk.retain(increment);
            return this;
        }

        @Override
        public Msg touch() {
            chunk.touch();
            return this;
        }

        @Override
        public Msg touch(Object hint) {
            chunk.touch(hint);
            return this;
        }

        @Override
        public boolean release() {
            return chunk.release();
        }

        @Override
        public boolean release(int decrement) {
            return chunk.release(decrement);
        }

        /** Never prints the message bytes (they are only logged as hex at TRACE by the wire logger). */
        @Override
        public String toString() {
            return "Msg[seid=" + seid + ", chunk=" + (chunk.refCnt() > 0 ? chunk.readableBytes() + " bytes" : "released") + "]";
        }
    }

    /** DOT: end of message; the reply may carry modifications. */
    record Dot(String seid, PmilterMacros macros) implements SessionRequest {
        public Dot {
            Checks.seid(seid);
            Objects.requireNonNull(macros, "macros");
        }

        @Override
        public Command command() {
            return Command.DOT;
        }
    }

    /** ABORT: the transaction was aborted (RSET, or MeTA1 gave up); the session goes on. */
    record Abort(String seid) implements SessionRequest {
        public Abort {
            Checks.seid(seid);
        }

        @Override
        public Command command() {
            return Command.ABORT;
        }
    }

    /** CLOSE: the SMTP session ended. Gets no reply. */
    record Close(String seid) implements SessionRequest {
        public Close {
            Checks.seid(seid);
        }

        @Override
        public Command command() {
            return Command.CLOSE;
        }
    }

    /** UNKNOWN: an SMTP command line smtps did not recognise. */
    record Unknown(String seid, String line) implements SessionRequest {
        public Unknown {
            Checks.seid(seid);
            Objects.requireNonNull(line, "line");
        }

        @Override
        public Command command() {
            return Command.UNKNOWN;
        }
    }
}
