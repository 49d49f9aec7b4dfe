package org.pmult.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MacroListCache}: always the names a fresh parse gives, the same instance for the same bytes, bounded size. */
class MacroListCacheTest {

    /** Lists that must parse exactly as {@link MilterMacroNames#parseList} parses them. */
    static Stream<byte[]> lists() {
        return Stream.of(
                ascii("{client_addr} {client_name} j {daemon_name}"),
                ascii("f {mail_addr} {mail_host} {mail_mailer} i {auth_authen}"),
                ascii("i"),
                ascii("1234567"),
                ascii("12345678"),
                ascii("123456789"),
                ascii("  i   {mail_addr}  "),
                ascii(" "),
                "{größe} {日本} j".getBytes(StandardCharsets.UTF_8),
                new byte[] {'{', (byte) 0xC3, '}', ' ', (byte) 0xFF, 'j'},
                ascii("x".repeat(MacroListCache.MAX_CACHED_LIST_BYTES)),
                ascii("y".repeat(MacroListCache.MAX_CACHED_LIST_BYTES + 1)));
    }

    @ParameterizedTest
    @MethodSource("lists")
    void givesWhatParseListGivesAndLeavesTheBufferAlone(byte[] list) {
        MilterMacroNames expected = MilterMacroNames.parseList(new String(list, StandardCharsets.UTF_8));
        MacroListCache cache = new MacroListCache(MacroListCache.DEFAULT_SLOTS);
        for (int round = 0; round < 2; round++) {
            ByteBuf in = embedded(list, 3 + round);
            try {
                assertEquals(expected, cache.namesOf(in, 3 + round, list.length), "round " + round);
                assertEquals(expected.toList(), cache.namesOf(in, 3 + round, list.length).toList());
                assertEquals(0, in.readerIndex());
                assertEquals(list.length + 2 * (3 + round), in.writerIndex());
            } finally {
                in.release();
            }
        }
    }

    @Test
    void returnsTheSameInstanceForTheSameBytesInAnotherBuffer() {
        MacroListCache cache = new MacroListCache(MacroListCache.DEFAULT_SLOTS);
        byte[] list = ascii("f {mail_addr} {mail_host} {mail_mailer} i {auth_authen}");
        ByteBuf first = embedded(list, 0);
        ByteBuf second = embedded(list, 17);
        try {
            MilterMacroNames names = cache.namesOf(first, 0, list.length);
            assertSame(names, cache.namesOf(second, 17, list.length));
            assertEquals(1, cache.size());
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void doesNotConfuseListsOfTheSameLengthOrAPrefix() {
        MacroListCache cache = new MacroListCache(MacroListCache.DEFAULT_SLOTS);
        for (String list : List.of("i j", "i k", "j i", "i j ", "i", "{mail_addr1}", "{mail_addr2}")) {
            for (int round = 0; round < 2; round++) {
                assertEquals(MilterMacroNames.parseList(list), namesOf(cache, ascii(list)), list);
            }
        }
    }

    @Test
    void staysBoundedAndCorrectUnderManyDistinctLists() {
        MacroListCache cache = new MacroListCache(MacroListCache.DEFAULT_SLOTS);
        for (int i = 0; i < 10_000; i++) {
            String list = "{macro_" + i + "} j";
            assertEquals(MilterMacroNames.parseList(list), namesOf(cache, ascii(list)), list);
            assertTrue(cache.size() <= MacroListCache.DEFAULT_SLOTS, "size after " + i + ": " + cache.size());
        }
        assertTrue(cache.size() > MacroListCache.DEFAULT_SLOTS / 2, "the table is used: " + cache.size());
    }

    @Test
    void evictedListsAreParsedAgainCorrectly() {
        MacroListCache cache = new MacroListCache(MacroListCache.WAYS); // one set: the sixth list evicts the first
        List<String> lists = List.of("a", "b c", "{d}", "e f g", "{h} i", "j k");
        for (int round = 0; round < 3; round++) {
            for (String list : lists) {
                assertEquals(MilterMacroNames.parseList(list), namesOf(cache, ascii(list)), list);
                assertTrue(cache.size() <= MacroListCache.WAYS);
            }
        }
    }

    @Test
    void asManyListsAsOneSetHoldsAreAllKept() {
        MacroListCache cache = new MacroListCache(MacroListCache.WAYS); // one set: every list lands in it
        List<MilterMacroNames> first = new ArrayList<>();
        for (int i = 0; i < MacroListCache.WAYS; i++) {
            first.add(namesOf(cache, ascii("{set_" + i + "}")));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < MacroListCache.WAYS; i++) {
                assertSame(first.get(i), namesOf(cache, ascii("{set_" + i + "}")), "list " + i);
            }
        }
        MilterMacroNames evicts = namesOf(cache, ascii("{set_new}"));
        assertSame(evicts, namesOf(cache, ascii("{set_new}")));
        assertNotSame(first.get(0), namesOf(cache, ascii("{set_0}")), "the oldest list was evicted");
    }

    @Test
    void keepsNoListLongerThanTheBound() {
        MacroListCache cache = new MacroListCache(MacroListCache.DEFAULT_SLOTS);
        byte[] longest = ascii("x".repeat(MacroListCache.MAX_CACHED_LIST_BYTES));
        byte[] tooLong = ascii("y".repeat(MacroListCache.MAX_CACHED_LIST_BYTES + 1));
        assertNotSame(namesOf(cache, tooLong), namesOf(cache, tooLong));
        assertEquals(0, cache.size());
        assertSame(namesOf(cache, longest), namesOf(cache, longest));
        assertEquals(1, cache.size());
    }

    @Test
    void anEmptyListIsTheSharedEmptyInstanceAndNotKept() {
        MacroListCache cache = new MacroListCache(MacroListCache.DEFAULT_SLOTS);
        assertSame(MilterMacroNames.EMPTY, namesOf(cache, new byte[0]));
        assertEquals(0, cache.size());
    }

    @Test
    void rejectsASizeThatIsNotAPowerOfTwo() {
        assertEquals("slots: 48 (expected: a power of two >= 4)",
                assertThrows(IllegalArgumentException.class, () -> new MacroListCache(48)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MacroListCache(MacroListCache.WAYS / 2));
        assertThrows(IllegalArgumentException.class, () -> new MacroListCache(0));
    }

    @Test
    void threadsSharingTheCacheAlwaysGetTheRightNames() throws Exception {
        MacroListCache cache = new MacroListCache(MacroListCache.WAYS); // one set, so threads evict each other's entries
        List<String> lists = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            lists.add("{client_addr} j {macro_" + i + "}");
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                tasks.add(() -> {
                    int checked = 0;
                    for (int i = 0; i < 5_000; i++) {
                        String list = lists.get((i + offset) % lists.size());
                        assertEquals(MilterMacroNames.parseList(list), namesOf(cache, ascii(list)));
                        checked++;
                    }
                    return checked;
                });
            }
            for (Future<Integer> done : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
                assertEquals(5_000, done.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(cache.size() <= MacroListCache.WAYS);
    }

    private static MilterMacroNames namesOf(MacroListCache cache, byte[] list) {
        ByteBuf in = embedded(list, 1);
        try {
            return cache.namesOf(in, 1, list.length);
        } finally {
            in.release();
        }
    }

    /** A direct buffer with {@code padding} bytes of {@code #} on both sides of the list, so reading past it shows. */
    private static ByteBuf embedded(byte[] list, int padding) {
        ByteBuf in = Unpooled.directBuffer(list.length + 2 * padding);
        for (int i = 0; i < padding; i++) {
            in.writeByte('#');
        }
        in.writeBytes(list);
        for (int i = 0; i < padding; i++) {
            in.writeByte('#');
        }
        return in;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
