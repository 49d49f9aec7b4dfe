package org.pmult.server.session;

import io.netty.buffer.ByteBuf;

/**
 * One Milter-level step recovered from MeTA1's single data stage: a header, the end of the header
 * block, or a body chunk. Body chunks are retained slices of MeTA1's MSG chunk (no copies) and are
 * owned by whoever receives them.
 */
sealed interface MessageEvent {

    /**
     * One header: its name, and its value as received after the colon (leading white space and
     * folding kept, folded lines joined by LF), both octet strings.
     */
    record Header(String name, String value) implements MessageEvent {
    }

    /** The blank line ending the header block (or DOT with no body). */
    record EndOfHeaders() implements MessageEvent {
        static final EndOfHeaders INSTANCE = new EndOfHeaders();
    }

    /** Body bytes, CRLF line ends as received, at most {@link MessageSplitter#MAX_BODY_CHUNK} bytes. */
    record BodyChunk(ByteBuf content) implements MessageEvent {
    }
}
