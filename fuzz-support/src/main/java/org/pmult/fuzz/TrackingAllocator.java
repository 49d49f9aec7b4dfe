package org.pmult.fuzz;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Test allocator that remembers every buffer it hands out, so a fuzz run can prove, input by input
 * and without waiting for the GC-driven leak detector, that every buffer was released and that no
 * handler ever reserved more memory than a bound (each backing array is recorded, including the
 * larger ones a buffer switches to when it grows). Heap buffers only; not thread-safe (an
 * EmbeddedChannel runs on the calling thread).
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> allocated = new ArrayList<>();
    private boolean harnessInput;
    private int largestArray;

    public TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buffer = new TrackedBuffer(this, initialCapacity, maxCapacity);
        allocated.add(buffer);
        return buffer;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /**
     * A copy of {@code bytes[from, to)} that is full (capacity = max capacity = its length), so a
     * decoder that keeps part of it must allocate to merge the next read. Not counted in the bound.
     */
    public ByteBuf input(byte[] bytes, int from, int to) {
        harnessInput = true;
        try {
            ByteBuf buffer = new TrackedBuffer(this, to - from, to - from);
            allocated.add(buffer);
            return buffer.writeBytes(bytes, from, to - from);
        } finally {
            harnessInput = false;
        }
    }

    /** The largest backing array a handler (not the harness) made any buffer reserve. */
    public int largestArray() {
        return largestArray;
    }

    /** Buffers not yet released, described for an assertion message; empty if all were released. */
    public String unreleased() {
        StringBuilder out = new StringBuilder();
        for (ByteBuf buffer : allocated) {
            if (buffer.refCnt() > 0) {
                out.append(out.length() == 0 ? "" : ", ").append(buffer).append(" refCnt=").append(buffer.refCnt());
            }
        }
        return out.toString();
    }

    private void recordArray(int length) {
        if (!harnessInput) {
            largestArray = Math.max(largestArray, length);
        }
    }

    /** Reports every backing array it allocates, at construction and on growth. */
    private static final class TrackedBuffer extends UnpooledHeapByteBuf {
        TrackedBuffer(TrackingAllocator allocator, int initialCapacity, int maxCapacity) {
            super(allocator, initialCapacity, maxCapacity);
        }

        @Override
        protected byte[] allocateArray(int initialCapacity) {
            // Called from the super constructor: alloc() is already set, this class's fields are not.
            ((TrackingAllocator) alloc()).recordArray(initialCapacity);
            return super.allocateArray(initialCapacity);
        }
    }
}
