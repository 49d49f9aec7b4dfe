package org.pmult.server.session;

import io.netty.buffer.ByteBuf;
import org.pmult.milter.codec.CStrings;

import java.util.List;

/**
 * Splits the raw message that MeTA1 streams in MSG chunks back into the Milter steps pmult must
 * emit: one {@link MessageEvent.Header} per header, {@link MessageEvent.EndOfHeaders}, then body
 * chunks of at most {@value #MAX_BODY_CHUNK} bytes. Incremental: a chunk may end anywhere, even
 * inside a CRLF. Every buffered byte is bounded by {@code maxHeaderBytes}.
 *
 * <p>Header names and values are octet strings (one char per byte, as the Milter codec writes
 * them), so 8-bit bytes reach the milter unchanged. The value is everything after the colon as
 * received, leading white space included: whether one space goes is the milter leg's rule (it
 * depends on SMFIP_HDR_LEADSPC). Folded lines are joined with a bare LF, as Sendmail and Postfix send
 * them. A line in the header block without a colon ends the header block and starts the body, as
 * Sendmail does.
 */
final class MessageSplitter {

    /** Largest Milter BODY payload (SMFIC_BODY chunk limit of the Milter protocol). */
    static final int MAX_BODY_CHUNK = 65_535;

    private enum State {
        /** Reading header lines; {@link #line} may hold the start of one. */
        HEADERS,
        /** The blank line was seen: everything else is body. */
        BODY
    }

    private final int maxHeaderBytes;
    private final StringBuilder line = new StringBuilder(128);
    private String pendingName;
    private StringBuilder pendingValue;
    private int headerBytes;
    private boolean sawCr;
    /** A header-block line that turned out to be body (no colon): re-emitted with its CRLF. */
    private String pendingBodyLine;
    private State state = State.HEADERS;

    MessageSplitter(int maxHeaderBytes) {
        if (maxHeaderBytes < 1) {
            throw new IllegalArgumentException("maxHeaderBytes: " + maxHeaderBytes + " (expected: > 0)");
        }
        this.maxHeaderBytes = maxHeaderBytes;
    }

    boolean inBody() {
        return state == State.BODY;
    }

    /**
     * Consumes {@code chunk} (not released here) and appends the steps it completes to {@code out}.
     *
     * @throws MessageTooLargeException when the header block exceeds the bound
     */
    void feed(ByteBuf chunk, List<MessageEvent> out) {
        int index = chunk.readerIndex();
        int end = chunk.writerIndex();
        while (index < end && state == State.HEADERS) {
            byte b = chunk.getByte(index++);
            if (++headerBytes > maxHeaderBytes) {
                throw new MessageTooLargeException("header block larger than " + maxHeaderBytes + " bytes");
            }
            if (b == '\n') {
                sawCr = false;
                endOfLine(out);
                if (state == State.BODY && pendingBodyLine != null) {
                    emitBody(pendingBodyLine, out);
                    pendingBodyLine = null;
                }
            } else {
                if (sawCr) {
                    line.append('\r'); // a lone CR inside a line is data
                }
                sawCr = b == '\r';
                if (!sawCr) {
                    line.append((char) (b & 0xFF));
                }
            }
        }
        if (index < end) {
            sliceBody(chunk, index, end, out);
        }
    }

    /** At end of message: flushes a header block that never reached its blank line. */
    void finish(List<MessageEvent> out) {
        if (state == State.HEADERS) {
            if (line.length() > 0 || sawCr) {
                sawCr = false;
                endOfLine(out);
            }
            if (state == State.HEADERS) {
                flushPending(out);
                out.add(MessageEvent.EndOfHeaders.INSTANCE);
                state = State.BODY;
            }
            if (pendingBodyLine != null) {
                emitBody(pendingBodyLine, out);
                pendingBodyLine = null;
            }
        }
    }

    private void endOfLine(List<MessageEvent> out) {
        if (line.length() == 0) {
            flushPending(out);
            out.add(MessageEvent.EndOfHeaders.INSTANCE);
            state = State.BODY;
            return;
        }
        char first = line.charAt(0);
        if ((first == ' ' || first == '\t') && pendingName != null) {
            pendingValue.append('\n').append(line);
            line.setLength(0);
            return;
        }
        flushPending(out);
        int colon = line.indexOf(":");
        if (colon <= 0) {
            // Not a header: the header block ends here and this line is the first body line.
            out.add(MessageEvent.EndOfHeaders.INSTANCE);
            state = State.BODY;
            pendingBodyLine = line + "\r\n";
            line.setLength(0);
            return;
        }
        // White space between the name and the colon is not part of the name (Postfix's is_header).
        int nameEnd = colon;
        while (nameEnd > 0 && (line.charAt(nameEnd - 1) == ' ' || line.charAt(nameEnd - 1) == '\t')) {
            nameEnd--;
        }
        pendingName = line.substring(0, nameEnd);
        int valueStart = colon + 1;
        pendingValue = new StringBuilder(line.length() - valueStart + 16).append(line, valueStart, line.length());
        line.setLength(0);
    }

    private void flushPending(List<MessageEvent> out) {
        if (pendingName != null) {
            out.add(new MessageEvent.Header(pendingName, pendingValue.toString()));
            pendingName = null;
            pendingValue = null;
        }
    }

    private static void emitBody(String text, List<MessageEvent> out) {
        out.add(new MessageEvent.BodyChunk(io.netty.buffer.Unpooled.copiedBuffer(text, CStrings.OCTETS)));
    }

    private static void sliceBody(ByteBuf chunk, int from, int end, List<MessageEvent> out) {
        for (int at = from; at < end; at += MAX_BODY_CHUNK) {
            int length = Math.min(MAX_BODY_CHUNK, end - at);
            out.add(new MessageEvent.BodyChunk(chunk.retainedSlice(at, length)));
        }
    }
}
