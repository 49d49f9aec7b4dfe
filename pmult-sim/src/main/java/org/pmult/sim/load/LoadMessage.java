package org.pmult.sim.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The message every load transaction sends: seven ordinary header fields and a body of 76-character
 * lines, CRLF line ends, exactly {@link #size()} bytes in all. Built once; every transaction shares
 * the same arrays (nothing copies them on the way out).
 */
public final class LoadMessage {

    /** One header field as the Milter side sends it (name, and value without the leading space). */
    public record Header(String name, String value) {
    }

    /** Smallest size: the header block, the blank line and one short body line. */
    public static final int MIN_SIZE = 512;
    /** Largest size: 64 MiB, far beyond any benchmark, to keep arrays sane. */
    public static final int MAX_SIZE = 64 << 20;

    private static final List<Header> HEADERS = List.of(
            new Header("Received", "from client.example.org (client.example.org [192.0.2.10]) by mx.example.org"),
            new Header("From", "Load Sender <sender@example.com>"),
            new Header("To", "Load Recipient <rcpt1@example.net>"),
            new Header("Subject", "pmult load test message"),
            new Header("Date", "Tue, 24 Nov 2026 12:00:00 +0000"),
            new Header("Message-ID", "<load-test@example.com>"),
            new Header("MIME-Version", "1.0"));
    private static final byte[] LINE_TEXT =
            "The quick brown fox jumps over the lazy dog while pmult counts the microseconds."
                    .getBytes(StandardCharsets.US_ASCII);
    private static final int LINE_LENGTH = 76;

    private final byte[] content;
    private final byte[] body;

    private LoadMessage(byte[] content, byte[] body) {
        this.content = content;
        this.body = body;
    }

    /** A message of exactly {@code size} bytes ({@value #MIN_SIZE}..{@value #MAX_SIZE}). */
    public static LoadMessage ofSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("message size: " + size + " (expected: " + MIN_SIZE + ".." + MAX_SIZE + ")");
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (Header header : HEADERS) {
            head.writeBytes((header.name() + ": " + header.value() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        head.writeBytes(new byte[] {'\r', '\n'});
        byte[] body = body(size - head.size());
        byte[] content = new byte[size];
        System.arraycopy(head.toByteArray(), 0, content, 0, head.size());
        System.arraycopy(body, 0, content, head.size(), body.length);
        return new LoadMessage(content, body);
    }

    /**
     * Lines of up to {@value #LINE_LENGTH} characters plus CRLF, the last ones shorter so the total is
     * exact (a line is shortened by one when it would leave a single byte, which cannot hold a CRLF).
     */
    private static byte[] body(int length) {
        byte[] body = new byte[length];
        int at = 0;
        int line = 0;
        while (at < length) {
            int remaining = length - at;
            int text = Math.min(LINE_LENGTH, remaining - 2);
            if (remaining - text - 2 == 1) {
                text--;
            }
            for (int i = 0; i < text; i++) {
                body[at++] = LINE_TEXT[(line + i) % LINE_TEXT.length];
            }
            body[at++] = '\r';
            body[at++] = '\n';
            line++;
        }
        return body;
    }

    /** The whole message: header block, blank line, body (what smtps sends as MSG chunks). Do not modify. */
    public byte[] content() {
        return content;
    }

    /** The header fields in order (what a Milter client sends as SMFIC_HEADER). */
    public List<Header> headers() {
        return HEADERS;
    }

    /** The body after the blank line (what a Milter client sends as SMFIC_BODY). Do not modify. */
    public byte[] body() {
        return body;
    }

    public int size() {
        return content.length;
    }
}
