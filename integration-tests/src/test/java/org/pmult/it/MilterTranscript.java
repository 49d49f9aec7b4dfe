package org.pmult.it;


import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What one Milter connection carried, packet by packet, in a form two MTAs' streams can be compared
 * in: one {@link Packet} per packet with its command letter, its fields as text (bytes outside
 * printable ASCII escaped as {@code \xHH}, so 8-bit bytes stay visible) and, for body chunks, the raw bytes.
 */
final class MilterTranscript {

    /** One packet: its command letter and its fields, already escaped; {@code raw} only for body chunks. */
    record Packet(char code, List<String> fields, byte[] raw) {

        String line() {
            return code + " " + String.join(" ", fields);
        }
    }

    private final List<Packet> packets = new ArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean sawSession;

    synchronized void record(byte code, byte[] data) {
        char letter = (char) code;
        // Negotiation, macros, CONNECT and QUIT alone are a probe (a health check, or a client that
        // hung up at once, like the start script's readiness check), not an SMTP session.
        if ("ODCQ".indexOf(letter) < 0) {
            sawSession = true;
        }
        packets.add(switch (letter) {
            case 'O' -> {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                yield new Packet(letter, List.of("version=" + buffer.getInt(), "actions=0x" + Integer.toHexString(buffer.getInt()),
                        "protocol=0x" + Integer.toHexString(buffer.getInt())), null);
            }
            case 'D' -> {
                List<String> fields = new ArrayList<>();
                fields.add("stage=" + (char) data[0]);
                List<String> strings = cStrings(data, 1);
                List<String> pairs = new ArrayList<>();
                for (int i = 0; i + 1 < strings.size(); i += 2) {
                    pairs.add(strings.get(i) + "=" + strings.get(i + 1));
                }
                fields.addAll(pairs);
                yield new Packet(letter, fields, null);
            }
            case 'C' -> {
                int nul = indexOf(data, 0, (byte) 0);
                List<String> fields = new ArrayList<>();
                fields.add("host=" + escape(data, 0, nul));
                char family = (char) data[nul + 1];
                fields.add("family=" + family);
                if (family != 'U') {
                    int port = ((data[nul + 2] & 0xff) << 8) | (data[nul + 3] & 0xff);
                    fields.add("port=" + port);
                    fields.add("addr=" + escape(data, nul + 4, indexOf(data, nul + 4, (byte) 0)));
                }
                yield new Packet(letter, fields, null);
            }
            case 'B' -> new Packet(letter, List.of(data.length + " bytes"), data);
            default -> new Packet(letter, cStrings(data, 0), null);
        });
    }

    synchronized void add(String note) {
        packets.add(new Packet('!', List.of(note), null));
    }

    void closed() {
        closed.countDown();
    }

    boolean sawSession() {
        return sawSession;
    }

    /** Waits until the MTA closed this connection (after QUIT). */
    boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
        return closed.await(timeout, unit);
    }

    synchronized List<Packet> packets() {
        return List.copyOf(packets);
    }

    /** The NUL-terminated strings from {@code from} on, escaped. */
    private static List<String> cStrings(byte[] data, int from) {
        List<String> strings = new ArrayList<>();
        int at = from;
        while (at < data.length) {
            int end = indexOf(data, at, (byte) 0);
            strings.add(escape(data, at, end));
            at = end + 1;
        }
        return strings;
    }

    private static int indexOf(byte[] data, int from, byte value) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == value) {
                return i;
            }
        }
        return data.length;
    }

    /** Printable ASCII as is; backslash, CR, LF, TAB and every other byte escaped. */
    static String escape(byte[] data, int from, int to) {
        StringBuilder text = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int b = data[i] & 0xff;
            switch (b) {
                case '\\' -> text.append("\\\\");
                case '\r' -> text.append("\\r");
                case '\n' -> text.append("\\n");
                case '\t' -> text.append("\\t");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        text.append((char) b);
                    } else {
                        text.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return text.toString();
    }

    /** A short fingerprint of a body for comparison lines. */
    static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
