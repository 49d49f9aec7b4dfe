package org.pmult.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a fuzz input is cut into reads, chosen pseudo-randomly with the input itself as the seed, so
 * the same input always arrives the same way (a finding reproduces) while its mutants arrive
 * differently: one read in four inputs, otherwise reads of mostly 1..8 bytes (cutting length
 * prefixes and headers) and sometimes up to 512 bytes.
 */
public final class ChunkPlan {

    private ChunkPlan() {
    }

    /** The read sizes for {@code input}; at least one read, even for the empty input. */
    public static List<Integer> of(byte[] input) {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input));
        if (input.length == 0 || random.nextInt(4) == 0) {
            return List.of(input.length);
        }
        List<Integer> sizes = new ArrayList<>();
        int left = input.length;
        while (left > 0) {
            int size = Math.min(left, random.nextInt(4) == 0 ? 1 + random.nextInt(512) : 1 + random.nextInt(8));
            sizes.add(size);
            left -= size;
        }
        return sizes;
    }

    /** The smallest power of two >= {@code bytes} (and >= 64): what Netty's buffer growth reserves for them. */
    public static int nettyCapacityFor(int bytes) {
        int capacity = 64;
        while (capacity < bytes) {
            capacity <<= 1;
        }
        return capacity;
    }
}
