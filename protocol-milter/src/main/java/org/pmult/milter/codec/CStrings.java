package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ByteProcessor;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * NUL-terminated strings, the only string form Milter knows. Milter strings are octets, not text:
 * a header value, envelope argument or macro value must reach the filter byte for byte whatever its
 * encoding (a raw Latin-1 Subject, SMTPUTF8 addresses, spam with broken bytes). So a {@code String}
 * here is an <em>octet string</em>: each char is one byte, 0..255 ({@link #OCTETS}, ISO-8859-1, maps
 * every byte to one char and back). A char above 255 is no byte and is refused.
 */
public final class CStrings {

    /** The byte-for-char mapping of octet strings: every byte value is one char, and back. */
    public static final Charset OCTETS = StandardCharsets.ISO_8859_1;

    /** What {@link #encodedLengthOrNul} returns for a value with a NUL inside. */
    static final int NUL_INSIDE = -1;

    /** What {@link #encodedLengthOrNul} returns for a value with a char above 255 (no octet string). */
    static final int NOT_OCTETS = -2;

    private CStrings() {
    }

    /** Reads one NUL-terminated string; {@code field} names it in the error if the NUL is missing. */
    public static String read(ByteBuf in, String field) {
        return read(in, field, null);
    }

    /**
     * As {@link #read(ByteBuf, String)}, the field named {@code what + " " + field} (field may be
     * null). The name is only built for the error, so decoding a packet allocates no message text.
     */
    public static String read(ByteBuf in, String what, String field) {
        int nul = nulIndex(in, what, field);
        int length = nul - in.readerIndex();
        String value = length == 0 ? "" : in.toString(in.readerIndex(), length, OCTETS);
        in.readerIndex(nul + 1);
        return value;
    }

    /**
     * Absolute index of the NUL that ends the string at the reader index, without reading or
     * decoding the string; throws as {@link #read(ByteBuf, String, String)} does if there is none.
     */
    static int nulIndex(ByteBuf in, String what, String field) {
        int nul = in.forEachByte(ByteProcessor.FIND_NUL);
        if (nul < 0) {
            throw new MilterCodecException(fieldName(what, field) + ": missing NUL terminator after "
                    + in.readableBytes() + " bytes");
        }
        return nul;
    }

    /** Reads NUL-terminated strings until the buffer is empty. */
    public static List<String> readAll(ByteBuf in, String field) {
        List<String> values = new ArrayList<>(2);
        while (in.isReadable()) {
            values.add(read(in, field));
        }
        return values;
    }

    /**
     * Writes {@code value}, an octet string, and a NUL: one byte per char. A NUL inside the value
     * would silently cut the field short at the peer, and a char above 255 is no byte; both are
     * refused.
     */
    public static void write(ByteBuf out, CharSequence value, String field) {
        write(out, value, field, null);
    }

    /** As {@link #write(ByteBuf, CharSequence, String)}, the field named lazily as in {@link #read(ByteBuf, String, String)}. */
    public static void write(ByteBuf out, CharSequence value, String what, String field) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw nulInside(fieldName(what, field));
            }
            if (c > 0xFF) {
                throw notOctets(fieldName(what, field), c);
            }
        }
        out.writeCharSequence(value, OCTETS);
        out.writeByte(0);
    }

    /**
     * Bytes {@link #write} will produce for {@code value}, including the NUL; refuses a value with a
     * NUL inside before anything is allocated.
     */
    public static int encodedLength(CharSequence value, String field) {
        return encodedLength(value, field, null);
    }

    /** As {@link #encodedLength(CharSequence, String)}, the field named lazily as in {@link #read(ByteBuf, String, String)}. */
    public static int encodedLength(CharSequence value, String what, String field) {
        int bytes = encodedLengthOrNul(value);
        if (bytes == NUL_INSIDE) {
            throw nulInside(fieldName(what, field));
        }
        if (bytes == NOT_OCTETS) {
            throw notOctets(fieldName(what, field), firstAbove255(value));
        }
        return bytes;
    }

    /**
     * Bytes {@link #write} will produce for {@code value}, including the NUL, or {@link #NUL_INSIDE},
     * or {@link #NOT_OCTETS}.
     */
    static int encodedLengthOrNul(CharSequence value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return NUL_INSIDE;
            } else if (c > 0xFF) {
                return NOT_OCTETS;
            }
        }
        return length + 1;
    }

    private static char firstAbove255(CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                return value.charAt(i);
            }
        }
        return 0;
    }

    private static String fieldName(String what, String field) {
        return field == null ? what : what + " " + field;
    }

    static EncoderException notOctets(String field, char c) {
        return new EncoderException(field + ": char U+" + String.format("%04X", (int) c)
                + " is not an octet (expected: an octet string, one char per byte 0..255; convert text with CStrings.octets)");
    }

    /**
     * The octet string of {@code text} encoded as UTF-8: for values that start as Java text
     * (configuration, pmult's own strings) rather than as bytes off the wire.
     */
    public static String octets(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return new String(text.getBytes(StandardCharsets.UTF_8), OCTETS);
            }
        }
        return text;
    }

    static EncoderException nulInside(String field) {
        return new EncoderException(field + ": contains a NUL byte, which Milter strings cannot carry");
    }
}
