package org.pmult.sim.engine;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterModification;

/**
 * The message smtps delivers after a DOT reply: the received message (as sent in the MSG chunks)
 * with the reply's header and body modifications applied in order, following the rules of
 * docs/pmilter-wire.md ("How smtps applies the modifications"). Envelope changes (recipients,
 * sender) do not touch the message and are ignored here.
 *
 * <p>Bytes are kept as they are: unchanged header fields and the body go out byte for byte, and a
 * header written from a modification is {@code NAME ":" VALUE CRLF} with the value's bytes as
 * received from the pmilter (MOD_VALUE carries the space after the colon); a changed field keeps the
 * name it had.
 */
public final class MessageEditor {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] COLON = {':'};

    private MessageEditor() {
    }

    /** {@code received} with {@code modifications} applied; {@code received} uses CRLF line ends. */
    public static byte[] apply(byte[] received, List<PmilterModification> modifications) {
        int bodyStart = bodyStart(received);
        List<Field> fields = fields(received, bodyStart < 0 ? received.length : headerEnd(received, bodyStart));
        byte[] body = bodyStart < 0 ? new byte[0] : Arrays.copyOfRange(received, bodyStart, received.length);
        boolean bodyReplaced = false;
        ByteArrayOutputStream newBody = new ByteArrayOutputStream();
        for (PmilterModification modification : modifications) {
            if (modification instanceof PmilterModification.AddHeader add) {
                fields.add(Field.of(add.name(), add.value()));
            } else if (modification instanceof PmilterModification.InsertHeader insert) {
                fields.add(Math.min(insert.index(), fields.size()), Field.of(insert.name(), insert.value()));
            } else if (modification instanceof PmilterModification.ChangeHeader change) {
                int at = instance(fields, change.name(), change.index());
                if (at >= 0) {
                    if (change.isDelete()) {
                        fields.remove(at);
                    } else {
                        // the field keeps its name as received (Sendmail changes only the value)
                        fields.set(at, Field.of(fields.get(at).name(), change.value()));
                    }
                }
            } else if (modification instanceof PmilterModification.ReplaceBody replace) {
                // the first replacement in a reply replaces the body, later ones continue it
                bodyReplaced = true;
                newBody.writeBytes(replace.body());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(received.length + 1024);
        for (Field field : fields) {
            out.writeBytes(field.bytes());
        }
        if (bodyStart >= 0 || bodyReplaced) {
            out.writeBytes(CRLF);
            out.writeBytes(bodyReplaced ? newBody.toByteArray() : body);
        }
        return out.toByteArray();
    }

    /** One header field with its continuation lines and final CRLF, and its name. */
    private record Field(String name, byte[] bytes) {
        static Field of(String name, String value) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // pmilter strings are octet strings, one char per byte
            out.writeBytes(name.getBytes(PmilterCodes.STRING_CHARSET));
            out.writeBytes(COLON);
            out.writeBytes(value.getBytes(PmilterCodes.STRING_CHARSET));
            out.writeBytes(CRLF);
            return new Field(name, out.toByteArray());
        }
    }

    /** Index of the {@code instance}-th (1-based) field called {@code name} (any case), or -1. */
    private static int instance(List<Field> fields, String name, int instance) {
        int seen = 0;
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equalsIgnoreCase(name) && ++seen == instance) {
                return i;
            }
        }
        return -1;
    }

    /** Offset of the body (after the empty line), or -1 when the message has no empty line. */
    private static int bodyStart(byte[] message) {
        if (message.length >= 2 && message[0] == '\r' && message[1] == '\n') {
            return 2;
        }
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** End of the header section: just before the empty line that precedes the body. */
    private static int headerEnd(byte[] message, int bodyStart) {
        return bodyStart - 2;
    }

    /** The header fields in {@code message[0, end)}: a field runs until a line that does not start with SP or HT. */
    private static List<Field> fields(byte[] message, int end) {
        List<Field> fields = new ArrayList<>();
        int start = 0;
        while (start < end) {
            int next = lineEnd(message, start, end);
            while (next < end && (message[next] == ' ' || message[next] == '\t')) {
                next = lineEnd(message, next, end);
            }
            byte[] bytes = Arrays.copyOfRange(message, start, next);
            int colon = indexOf(bytes, (byte) ':');
            String name = new String(bytes, 0, colon < 0 ? 0 : colon, PmilterCodes.STRING_CHARSET).strip();
            fields.add(new Field(name, bytes));
            start = next;
        }
        return fields;
    }

    /** Offset just after the CRLF (or LF) ending the line at {@code from}, or {@code end}. */
    private static int lineEnd(byte[] message, int from, int end) {
        for (int i = from; i < end; i++) {
            if (message[i] == '\n') {
                return i + 1;
            }
        }
        return end;
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
