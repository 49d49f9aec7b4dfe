package org.pmult.pmilter.fuzz;

import org.pmult.fuzz.TrackingAllocator;
import org.pmult.fuzz.ChunkPlan;
import org.pmult.fuzz.OutcomeRecorder;
import org.pmult.fuzz.RegressionMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.pmult.pmilter.codec.PmilterCodecException;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterRequestDecoder;
import org.pmult.pmilter.codec.PmilterRequestEncoder;
import org.pmult.pmilter.server.PmilterServerCodec;

/**
 * Coverage-guided fuzzing of what pmult reads from smtps: any byte stream through
 * {@link PmilterServerCodec} on an EmbeddedChannel, as one read or cut into pseudo-random
 * reads ({@link ChunkPlan}). For every input the pipeline must produce exactly what
 * {@link PmilterStreamModel} predicts, at the read that completes it: one request per well-formed
 * frame, or a {@link PmilterCodecException} without a cause that closes the connection; never
 * another exception, never a buffer above one frame at the bound plus one read, and every buffer
 * released. Each decoded request must also survive {@link PmilterRequestEncoder} and a fresh
 * decoder unchanged. Run by {@code mvn verify} on the seeds in
 * {@code PmilterServerCodecFuzzTestInputs}; see docs/hardening.md for a fuzzing run.
 */
class PmilterServerCodecFuzzTest {

    /** The smallest bound the decoder can be configured with, so fuzzed lengths land on both sides of it. */
    private static final int MAX_MESSAGE_LENGTH = PmilterCodes.MIN_CONFIGURABLE_MAX_MESSAGE_LENGTH;

    @BeforeAll
    static void quickRegressionRuns() {
        RegressionMode.skipBugDetectorHooksUnlessFuzzing();
    }

    @FuzzTest(maxDuration = "60s")
    void decodesEachFrameOrClosesWithACodecError(byte[] input) {
        PmilterStreamModel model = PmilterStreamModel.of(input, MAX_MESSAGE_LENGTH);
        try {
            feed(input, model, ChunkPlan.of(input));
            assertRoundTrip(model.requests());
        } finally {
            model.release();
        }
    }

    private static void feed(byte[] input, PmilterStreamModel model, List<Integer> reads) {
        TrackingAllocator allocator = new TrackingAllocator();
        OutcomeRecorder recorder = new OutcomeRecorder();
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec(MAX_MESSAGE_LENGTH), recorder);
        channel.config().setAllocator(allocator);
        int fed = 0;
        int largestRead = 0;
        try {
            for (int size : reads) {
                channel.writeInbound(allocator.input(input, fed, fed + size));
                fed += size;
                largestRead = Math.max(largestRead, size);
                assertOutcomes(model.eventsAfter(fed), recorder.outcomes(), fed);
                if (model.rejected() && recorder.outcomes().size() == model.events().size()) {
                    assertFalse(channel.isOpen(), "connection left open after a rejection");
                    break;
                }
            }
            if (channel.isOpen()) {
                channel.finish();
                assertOutcomes(model.events(), recorder.outcomes(), fed);
            }
            int bound = ChunkPlan.nettyCapacityFor(MAX_MESSAGE_LENGTH + PmilterCodes.LENGTH_FIELD_LENGTH - 1 + largestRead);
            assertTrue(allocator.largestArray() <= bound, "decoder reserved " + allocator.largestArray()
                    + " bytes (expected: <= " + bound + ", one frame at the bound plus one read)");
        } finally {
            recorder.releaseAll();
            channel.finishAndReleaseAll();
        }
        assertEquals("", allocator.unreleased(), "buffers left unreleased");
    }

    /** The pipeline's outcomes must be the model's events, in order, each exactly equal. */
    private static void assertOutcomes(List<Object> expected, List<Object> actual, int fed) {
        assertEquals(expected.size(), actual.size(), () -> "outcomes after " + fed + " bytes: " + actual
                + " (expected: " + expected + ")");
        for (int i = 0; i < expected.size(); i++) {
            Object want = expected.get(i);
            Object got = actual.get(i);
            if (want instanceof PmilterCodecException wanted) {
                assertCodecError(wanted, got);
            } else {
                assertEquals(want, got, "outcome " + i + " after " + fed + " bytes");
            }
        }
    }

    private static void assertCodecError(PmilterCodecException expected, Object actual) {
        if (!(actual instanceof PmilterCodecException error)) {
            throw new AssertionError("expected " + expected + " but got " + actual,
                    actual instanceof Throwable cause ? cause : null);
        }
        assertNull(error.getCause(), "a deliberate rejection carries no cause");
        assertEquals(expected.getMessage(), error.getMessage());
        assertEquals(expected.problem(), error.problem(), error.getMessage());
    }

    /** Re-encoding each decoded request and decoding it again gives an equal request. */
    private static void assertRoundTrip(List<PmilterRequest> requests) {
        if (requests.isEmpty()) {
            return;
        }
        // The largest bound: a string with invalid UTF-8 decodes to U+FFFD and may grow when re-encoded.
        int bound = PmilterCodes.MAX_CONFIGURABLE_MAX_MESSAGE_LENGTH;
        TrackingAllocator allocator = new TrackingAllocator();
        EmbeddedChannel encoder = new EmbeddedChannel(new PmilterRequestEncoder(bound));
        EmbeddedChannel decoder = new EmbeddedChannel(new PmilterRequestDecoder(bound));
        encoder.config().setAllocator(allocator);
        decoder.config().setAllocator(allocator);
        try {
            for (PmilterRequest request : requests) {
                assertTrue(encoder.writeOutbound(ReferenceCountUtil.retain(request)));
                ByteBuf frame = encoder.readOutbound();
                assertNotNull(frame);
                assertTrue(decoder.writeInbound(frame), () -> "re-encoded " + request + " did not decode");
                PmilterRequest again = decoder.readInbound();
                try {
                    assertEquals(request, again, "round trip");
                    assertSame(request.getClass(), again.getClass());
                } finally {
                    ReferenceCountUtil.release(again);
                }
                assertNull(decoder.readInbound());
            }
        } catch (PmilterCodecException e) {
            fail("a re-encoded request was rejected: " + e.getMessage(), e);
        } finally {
            encoder.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
        }
        assertEquals("", allocator.unreleased(), "round trip left buffers unreleased");
    }
}
