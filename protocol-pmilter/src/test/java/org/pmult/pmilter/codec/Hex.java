package org.pmult.pmilter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/** Hex strings as written in the spec ("00 00 00 30 ...") to bytes and back. */
public final class Hex {

    private Hex() {
    }

    public static byte[] bytes(String hex) {
        return ByteBufUtil.decodeHexDump(hex.replaceAll("\\s+", ""));
    }

    public static ByteBuf buffer(String hex) {
        return Unpooled.wrappedBuffer(bytes(hex));
    }

    /** Lower-case hex pairs separated by single spaces, the spec's notation. */
    public static String of(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(out.length() == 0 ? "" : " ").append(String.format("%02x", b & 0xff));
        }
        return out.toString();
    }

    /** The readable bytes of {@code buf} in the spec's notation, without changing it. */
    public static String of(ByteBuf buf) {
        return of(ByteBufUtil.getBytes(buf));
    }

    public static String normalize(String hex) {
        return of(bytes(hex));
    }
}
