package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * NUL-terminated strings, the only string form Milter knows. Text is UTF-8 (SMTPUTF8 addresses and
 * headers pass through unchanged; plain ASCII is the common case).
 */
public final class CStrings {

    /** What {@link #encodedLengthOrNul} returns for a value with a NUL inside. */
    static final int NUL_INSIDE = -1;

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
        String value = length == 0 ? "" : in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
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
     * Writes {@code value} and a NUL. A NUL inside the value would silently cut the field short at
     * the peer, so it is refused. Unpaired surrogates become {@code ?}, as in the JDK's encoder
     * (Netty's {@code ByteBufUtil.writeUtf8} mangles the character after one, so it is not used).
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
            if (c >= 0x80) {
                String text = value.toString();
                if (text.indexOf('\0', i) >= 0) {
                    throw nulInside(fieldName(what, field));
                }
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                out.writeByte(0);
                return;
            }
        }
        ByteBufUtil.writeAscii(out, value);
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
        return bytes;
    }

    /** Bytes {@link #write} will produce for {@code value}, including the NUL, or {@link #NUL_INSIDE}. */
    static int encodedLengthOrNul(CharSequence value) {
        int length = value.length();
        int bytes = 1;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return NUL_INSIDE;
            } else if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1; // replaced by '?'
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String fieldName(String what, String field) {
        return field == null ? what : what + " " + field;
    }

    static EncoderException nulInside(String field) {
        return new EncoderException(field + ": contains a NUL byte, which Milter strings cannot carry");
    }
}
