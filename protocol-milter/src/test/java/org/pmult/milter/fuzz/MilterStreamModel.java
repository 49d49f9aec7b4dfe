package org.pmult.milter.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.pmult.milter.codec.MilterCodecException;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyDecoder;

/**
 * What a correct MTA-side reply decoder must make of a byte stream from a milter, worked out
 * without the channel: where each packet ends (u32 length counting the code byte, 1 <= length <=
 * the bound), what {@link MilterReplyDecoder#decode} makes of each complete packet, and the byte at
 * which a bad length becomes known. A bad packet is rejected on its own (the frame decoder goes on
 * with the next one); a bad length rejects the rest of the stream, which cannot be resynchronised.
 *
 * @param events    per complete packet, in order, the reply or the {@link MilterCodecException}; then
 *                  the length error, if the stream has one
 * @param eventEnds for each event, the number of stream bytes after which it must have happened
 * @param endsInLengthError whether the last event is a bad length, after which nothing more is decoded
 */
record MilterStreamModel(List<Object> events, List<Integer> eventEnds, boolean endsInLengthError) {

    /**
     * Works out the stream. Any failure of the reply decoder other than {@link MilterCodecException}
     * escapes from here, which is a finding.
     */
    static MilterStreamModel of(byte[] input, int maxFrameLength) {
        List<Object> events = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        int position = 0;
        while (input.length - position >= MilterCodes.LENGTH_FIELD_BYTES) {
            long length = Integer.toUnsignedLong(readInt(input, position));
            if (length < 1 || length > maxFrameLength) {
                events.add(new MilterCodecException("packet length " + length + " (expected: "
                        + (length < 1 ? ">= 1" : "<= " + maxFrameLength) + ")"));
                ends.add(position + MilterCodes.LENGTH_FIELD_BYTES);
                return new MilterStreamModel(events, ends, true);
            }
            int start = position + MilterCodes.LENGTH_FIELD_BYTES;
            int end = start + (int) length;
            if (end > input.length) {
                break;
            }
            events.add(decode(input, start, end));
            ends.add(end);
            position = end;
        }
        return new MilterStreamModel(events, ends, false);
    }

    /** The events that must have happened once {@code fed} bytes were delivered. */
    List<Object> eventsAfter(int fed) {
        int count = 0;
        while (count < events.size() && eventEnds.get(count) <= fed) {
            count++;
        }
        return events.subList(0, count);
    }

    /** The decoded replies (released through {@link #release}). */
    List<MilterReply> replies() {
        List<MilterReply> replies = new ArrayList<>();
        for (Object event : events) {
            if (event instanceof MilterReply reply) {
                replies.add(reply);
            }
        }
        return replies;
    }

    void release() {
        events.forEach(ReferenceCountUtil::release);
    }

    private static Object decode(byte[] input, int from, int to) {
        // A copy, so a ReplaceBody's slice stays valid after this packet buffer's own reference is gone.
        ByteBuf packet = Unpooled.copiedBuffer(input, from, to - from);
        try {
            return MilterReplyDecoder.decode(packet);
        } catch (MilterCodecException e) {
            return e;
        } finally {
            packet.release();
        }
    }

    private static int readInt(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) << 24 | (bytes[at + 1] & 0xFF) << 16 | (bytes[at + 2] & 0xFF) << 8 | (bytes[at + 3] & 0xFF);
    }
}
