package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A small, fixed-size, thread-safe cache from the bytes of a SETSYMLIST list to the immutable
 * {@link MilterMacroNames} they parse to. A filter sends the same lists on every connection, and
 * parsing them (UTF-8 decoding, splitting, encoding each name for the {@code D} packet) is most of
 * what decoding an OPTNEG reply costs; a hit compares the bytes in place and allocates nothing.
 *
 * <p>The cache is a table of {@link #slots} entries in sets of {@link #WAYS}, so its size is bounded
 * whatever a filter sends: a filter sending ever new lists only evicts entries (oldest first within a
 * set), and a list longer than {@link #MAX_CACHED_LIST_BYTES} is parsed but never kept. Entries are
 * immutable, so threads share the table without locks; two threads missing at once may both parse
 * and keep an entry twice or lose one, which only costs a later parse.
 */
final class MacroListCache {

    /** Slots of the table the reply decoder uses: room for the lists of a dozen filters. */
    static final int DEFAULT_SLOTS = 64;

    /**
     * Longest list kept (bytes, without the NUL). mailfromd's longest list is 52 bytes, and 512 bytes
     * hold about 40 long names; this bounds the table to a few dozen KiB.
     */
    static final int MAX_CACHED_LIST_BYTES = 512;

    /**
     * Entries per set: up to this many lists whose hashes pick the same set are all kept, so the
     * handful of lists one filter sends do not evict each other.
     */
    static final int WAYS = 4;

    /** One list: its bytes (an unpooled heap buffer, only ever read at absolute indexes) and names. */
    private record Entry(int hash, ByteBuf key, MilterMacroNames names) {
    }

    private final AtomicReferenceArray<Entry> table;
    private final int slots;

    /** A cache of {@code slots} entries; a power of two, at least {@link #WAYS}. */
    MacroListCache(int slots) {
        if (slots < WAYS || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots: " + slots + " (expected: a power of two >= " + WAYS + ")");
        }
        this.slots = slots;
        this.table = new AtomicReferenceArray<>(slots);
    }

    /**
     * The names of the list in {@code in} at {@code index} ({@code length} bytes, the NUL excluded):
     * the cached instance if these bytes were seen before, else a fresh parse, which is then kept.
     * The result is always equal to {@code MilterMacroNames.parseList} of the bytes decoded as UTF-8.
     * Leaves the buffer's indexes alone.
     */
    MilterMacroNames namesOf(ByteBuf in, int index, int length) {
        if (length == 0) {
            return MilterMacroNames.EMPTY;
        }
        if (length > MAX_CACHED_LIST_BYTES) {
            return parse(in, index, length);
        }
        int hash = hash(in, index, length);
        int first = hash & (slots - WAYS);
        for (int slot = first; slot < first + WAYS; slot++) {
            Entry entry = table.get(slot);
            if (entry != null && entry.hash == hash && entry.key.readableBytes() == length
                    && ByteBufUtil.equals(entry.key, 0, in, index, length)) {
                return entry.names;
            }
        }
        MilterMacroNames names = parse(in, index, length);
        byte[] key = new byte[length];
        in.getBytes(index, key);
        // The newest entry goes first in its set; the others move down one and the oldest drops out.
        for (int slot = first + WAYS - 1; slot > first; slot--) {
            table.set(slot, table.get(slot - 1));
        }
        table.set(first, new Entry(hash, Unpooled.wrappedBuffer(key), names));
        return names;
    }

    /** Lists currently kept, for tests; never more than {@link #slots()}. */
    int size() {
        int size = 0;
        for (int slot = 0; slot < slots; slot++) {
            size += table.get(slot) == null ? 0 : 1;
        }
        return size;
    }

    int slots() {
        return slots;
    }

    private static MilterMacroNames parse(ByteBuf in, int index, int length) {
        return MilterMacroNames.parseList(in.toString(index, length, StandardCharsets.UTF_8));
    }

    /** Hash of the bytes, eight at a time; the high bits are folded in as slots use the low ones. */
    private static int hash(ByteBuf in, int index, int length) {
        int hash = length;
        int end = index + length;
        int at = index;
        for (; at + Long.BYTES <= end; at += Long.BYTES) {
            hash = 31 * hash + Long.hashCode(in.getLong(at));
        }
        for (; at < end; at++) {
            hash = 31 * hash + in.getByte(at);
        }
        return hash ^ (hash >>> 16);
    }
}
