package org.pmult.server.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.pmult.milter.codec.CStrings;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageSplitterTest {

    private static final String MESSAGE = "From: a@b.example\r\n"
            + "Subject: folded\r\n\tsecond line\r\n"
            + "X-Empty:\r\n"
            + "Message-ID: <1@b.example>\r\n"
            + "\r\n"
            + "Body line 1\r\n"
            + "Subject: not a header in the body\r\n";

    @Test
    void splitsHeadersEndOfHeadersAndBody() {
        List<String> steps = run(MESSAGE, MESSAGE.length());
        assertEquals(List.of(
                "H From= a@b.example",
                "H Subject= folded\n\tsecond line",
                "H X-Empty=",
                "H Message-ID= <1@b.example>",
                "EOH",
                "B Body line 1\r\nSubject: not a header in the body\r\n"), steps);
    }

    @Test
    void givesTheSameStepsWhateverTheChunkBoundaries() {
        List<String> whole = run(MESSAGE, MESSAGE.length());
        for (int size = 1; size < MESSAGE.length(); size++) {
            assertEquals(whole, merged(run(MESSAGE, size)), "chunk size " + size);
        }
    }

    @Test
    void endsTheHeaderBlockAtALineWithoutColon() {
        assertEquals(List.of("H A= 1", "EOH", "B no colon here\r\nrest\r\n"),
                merged(run("A: 1\r\nno colon here\r\nrest\r\n", 3)));
    }

    @Test
    void finishesAHeaderBlockWithNoBlankLineAtDot() {
        assertEquals(List.of("H Subject= only headers", "EOH"), run("Subject: only headers\r\n", 5));
        assertEquals(List.of("H Subject= no newline", "EOH"), run("Subject: no newline", 4));
    }

    @Test
    void keepsWhatFollowsTheColonAsReceivedWhiteSpaceAndAll() {
        assertEquals(List.of("H A=x", "H B= x", "H C=\tx", "H D=  x", "H E= \tx ", "H F=", "H G= ", "H Name= v", "EOH"),
                run("A:x\r\nB: x\r\nC:\tx\r\nD:  x\r\nE: \tx \r\nF:\r\nG: \r\nName \t: v\r\n\r\n", 7),
                "white space before the colon is no part of the name");
    }

    @Test
    void passesEightBitHeaderBytesUnchanged() {
        byte[] raw = {'S', 'u', 'b', 'j', 'e', 'c', 't', ':', ' ', 'c', 'a', 'f', (byte) 0xE9, ' ', (byte) 0xC3, (byte) 0xA9,
                ' ', (byte) 0xFF, '\r', '\n', '\r', '\n'};
        MessageSplitter splitter = new MessageSplitter(1024);
        List<MessageEvent> out = new ArrayList<>();
        ByteBuf chunk = Unpooled.wrappedBuffer(raw);
        splitter.feed(chunk, out);
        chunk.release();
        MessageEvent.Header header = (MessageEvent.Header) out.get(0);
        assertArrayEquals(Arrays.copyOfRange(raw, 8, 18), header.value().getBytes(CStrings.OCTETS),
                "Latin-1 \u00e9, UTF-8 \u00e9 and 0xFF, byte for byte");
    }

    @Test
    void cutsBodyIntoMilterSizedSlicesWithoutCopying() {
        byte[] body = new byte[MessageSplitter.MAX_BODY_CHUNK * 2 + 10];
        ByteBuf chunk = Unpooled.buffer().writeBytes("A: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).writeBytes(body);
        MessageSplitter splitter = new MessageSplitter(1024);
        List<MessageEvent> out = new ArrayList<>();
        splitter.feed(chunk, out);
        assertEquals(5, out.size());
        int total = 0;
        for (MessageEvent e : out.subList(2, 5)) {
            ByteBuf content = ((MessageEvent.BodyChunk) e).content();
            assertTrue(content.readableBytes() <= MessageSplitter.MAX_BODY_CHUNK);
            assertTrue(content.unwrap() != null, "a slice of the MSG chunk, not a copy");
            total += content.readableBytes();
            content.release();
        }
        assertEquals(body.length, total);
        assertTrue(chunk.release());
    }

    @Test
    void refusesAHeaderBlockOverTheBound() {
        MessageSplitter splitter = new MessageSplitter(16);
        ByteBuf chunk = Unpooled.copiedBuffer("Subject: 0123456789abcdef\r\n", StandardCharsets.US_ASCII);
        try {
            MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
                    () -> splitter.feed(chunk, new ArrayList<>()));
            assertEquals("header block larger than 16 bytes", e.getMessage());
        } finally {
            chunk.release();
        }
    }

    /** Feeds {@code message} in chunks of {@code size} bytes, then DOT, and renders the steps. */
    private static List<String> run(String message, int size) {
        MessageSplitter splitter = new MessageSplitter(4096);
        List<MessageEvent> out = new ArrayList<>();
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        for (int at = 0; at < bytes.length; at += size) {
            ByteBuf chunk = Unpooled.wrappedBuffer(bytes, at, Math.min(size, bytes.length - at));
            splitter.feed(chunk, out);
            chunk.release();
        }
        splitter.finish(out);
        List<String> steps = new ArrayList<>();
        for (MessageEvent e : out) {
            if (e instanceof MessageEvent.Header h) {
                steps.add("H " + h.name() + "=" + h.value());
            } else if (e instanceof MessageEvent.EndOfHeaders) {
                steps.add("EOH");
            } else if (e instanceof MessageEvent.BodyChunk b) {
                steps.add("B " + b.content().toString(StandardCharsets.ISO_8859_1));
                b.content().release();
            }
        }
        return steps;
    }

    /** Joins consecutive body steps, since chunking legitimately splits the body differently. */
    private static List<String> merged(List<String> steps) {
        List<String> out = new ArrayList<>();
        for (String s : steps) {
            int last = out.size() - 1;
            if (s.startsWith("B ") && last >= 0 && out.get(last).startsWith("B ")) {
                out.set(last, out.get(last) + s.substring(2));
            } else {
                out.add(s);
            }
        }
        return out;
    }
}
