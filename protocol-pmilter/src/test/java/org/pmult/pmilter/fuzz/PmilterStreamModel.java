package org.pmult.pmilter.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.pmult.pmilter.codec.PmilterCodecException;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterRequestParser;

/**
 * What a correct server decoder must make of a byte stream, worked out without the channel: where
 * each frame ends (§10.1: u32 L, then L bytes, MIN_MESSAGE_LENGTH <= L <= the bound), what the
 * stateless parser makes of each complete frame, and the byte at which a bad length prefix becomes
 * known. The first rejection ends the stream; nothing after it is decoded.
 *
 * @param events         per complete frame, in order, the request or the {@link PmilterCodecException};
 *                       ends at the first exception
 * @param eventEnds      for each event, the number of stream bytes after which it must have happened
 * @param consumed       bytes of the stream covered by the events (the rest is an incomplete frame or garbage)
 */
record PmilterStreamModel(List<Object> events, List<Integer> eventEnds, int consumed) {

    /**
     * Works out the stream. Any failure of the parser other than {@link PmilterCodecException}
     * escapes from here, which is a finding.
     */
    static PmilterStreamModel of(byte[] input, int maxMessageLength) {
        List<Object> events = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        int position = 0;
        while (input.length - position >= PmilterCodes.LENGTH_FIELD_LENGTH) {
            long length = Integer.toUnsignedLong(readInt(input, position));
            if (length < PmilterCodes.MIN_MESSAGE_LENGTH || length > maxMessageLength) {
                events.add(new PmilterCodecException(PmilterCodecException.Problem.FRAME_LENGTH, "message length: " + length + " (expected: "
                        + PmilterCodes.MIN_MESSAGE_LENGTH + ".." + maxMessageLength + ")", 0));
                ends.add(position + PmilterCodes.LENGTH_FIELD_LENGTH);
                return new PmilterStreamModel(events, ends, input.length);
            }
            int end = position + PmilterCodes.LENGTH_FIELD_LENGTH + (int) length;
            if (end > input.length) {
                break;
            }
            Object event = parse(input, position, end);
            events.add(event);
            ends.add(end);
            if (event instanceof PmilterCodecException) {
                return new PmilterStreamModel(events, ends, input.length);
            }
            position = end;
        }
        return new PmilterStreamModel(events, ends, position);
    }

    /** Whether the stream ends in a rejection (after which the connection must be closed). */
    boolean rejected() {
        return !events.isEmpty() && events.get(events.size() - 1) instanceof PmilterCodecException;
    }

    /** The events that must have happened once {@code fed} bytes were delivered. */
    List<Object> eventsAfter(int fed) {
        int count = 0;
        while (count < events.size() && eventEnds.get(count) <= fed) {
            count++;
        }
        return events.subList(0, count);
    }

    /** The decoded requests (callers release them through {@link #release}). */
    List<PmilterRequest> requests() {
        List<PmilterRequest> requests = new ArrayList<>();
        for (Object event : events) {
            if (event instanceof PmilterRequest request) {
                requests.add(request);
            }
        }
        return requests;
    }

    void release() {
        for (Object event : events) {
            if (event instanceof PmilterRequest.Msg msg) {
                msg.release();
            }
        }
    }

    private static Object parse(byte[] input, int from, int to) {
        // A copy, so a Msg's chunk slice stays valid after this frame buffer's own reference is gone.
        ByteBuf frame = Unpooled.copiedBuffer(input, from, to - from);
        try {
            return PmilterRequestParser.parse(frame);
        } catch (PmilterCodecException e) {
            return e;
        } finally {
            frame.release();
        }
    }

    private static int readInt(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) << 24 | (bytes[at + 1] & 0xFF) << 16 | (bytes[at + 2] & 0xFF) << 8 | (bytes[at + 3] & 0xFF);
    }
}
