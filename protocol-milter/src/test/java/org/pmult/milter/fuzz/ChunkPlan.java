package org.pmult.milter.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a fuzz input is cut into reads: pseudo-random sizes seeded by the input itself, so the same
 * input always splits the same way (a finding reproduces) while different inputs split differently.
 * Most reads are 1..8 bytes, to cut length prefixes and entry headers; some are up to 512 bytes.
 */
final class ChunkPlan {

    private ChunkPlan() {
    }

    /** The whole input as a single read (at least one read, even for the empty input). */
    static List<Integer> whole(byte[] input) {
        return List.of(input.length);
    }

    static List<Integer> split(byte[] input) {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input));
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
    static int nettyCapacityFor(int bytes) {
        int capacity = 64;
        while (capacity < bytes) {
            capacity <<= 1;
        }
        return capacity;
    }
}
