package org.pmult.milter.fuzz;

import org.pmult.fuzz.TrackingAllocator;
import org.pmult.fuzz.ChunkPlan;
import org.pmult.fuzz.OutcomeRecorder;
import org.pmult.fuzz.RegressionMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.pmult.milter.codec.MilterCodecException;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterFrameDecoder;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyDecoder;
import org.pmult.milter.codec.MilterReplyEncoder;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing of what pmult reads from a milter: any byte stream through
 * {@link MilterFrameDecoder} and {@link MilterReplyDecoder} on an EmbeddedChannel, as one read or cut
 * into pseudo-random reads ({@link ChunkPlan}). For every input the pipeline must produce exactly what
 * {@link MilterStreamModel} predicts, at the read that completes it: one reply per well-formed
 * packet, a {@link MilterCodecException} without a cause per malformed one, and after a bad length
 * nothing more; never another exception, never a buffer above one packet at the bound plus one read,
 * and every buffer released. Each decoded reply must also survive {@link MilterReplyEncoder} and a
 * fresh decoder unchanged. Run by {@code mvn verify} on the seeds in
 * {@code MilterReplyDecoderFuzzTestInputs}; see docs/hardening.md for a fuzzing run.
 */
class MilterReplyDecoderFuzzTest {

    /** A small bound (4 KiB), so fuzzed lengths and packets land on both sides of it. */
    private static final int MAX_FRAME_LENGTH = 4096;

    private static Level replyDecoderLevel;

    @BeforeAll
    static void quietAndQuickRuns() {
        RegressionMode.skipBugDetectorHooksUnlessFuzzing();
        // Fuzzed OPTNEG replies name unknown macro stages all the time; one warning each would flood the run.
        Logger logger = (Logger) LoggerFactory.getLogger(MilterReplyDecoder.class);
        replyDecoderLevel = logger.getLevel();
        logger.setLevel(Level.ERROR);
    }

    @AfterAll
    static void restoreLogging() {
        ((Logger) LoggerFactory.getLogger(MilterReplyDecoder.class)).setLevel(replyDecoderLevel);
    }

    @FuzzTest(maxDuration = "60s")
    void decodesEachPacketOrRejectsItWithACodecError(byte[] input) {
        MilterStreamModel model = MilterStreamModel.of(input, MAX_FRAME_LENGTH);
        try {
            feed(input, model, ChunkPlan.of(input));
            assertRoundTrip(model.replies());
        } finally {
            model.release();
        }
    }

    private static void feed(byte[] input, MilterStreamModel model, List<Integer> reads) {
        TrackingAllocator allocator = new TrackingAllocator();
        OutcomeRecorder recorder = new OutcomeRecorder();
        EmbeddedChannel channel = new EmbeddedChannel(new MilterFrameDecoder(MAX_FRAME_LENGTH),
                new MilterReplyDecoder(), recorder);
        channel.config().setAllocator(allocator);
        int fed = 0;
        int largestRead = 0;
        try {
            for (int size : reads) {
                channel.writeInbound(allocator.input(input, fed, fed + size));
                fed += size;
                largestRead = Math.max(largestRead, size);
                assertOutcomes(model, model.eventsAfter(fed), recorder.outcomes(), fed);
            }
            channel.finish();
            assertOutcomes(model, model.events(), recorder.outcomes(), fed);
            int bound = ChunkPlan.nettyCapacityFor(MAX_FRAME_LENGTH + MilterCodes.LENGTH_FIELD_BYTES - 1 + largestRead);
            assertTrue(allocator.largestArray() <= bound, "decoder reserved " + allocator.largestArray()
                    + " bytes (expected: <= " + bound + ", one packet at the bound plus one read)");
        } finally {
            recorder.releaseAll();
            channel.finishAndReleaseAll();
        }
        assertEquals("", allocator.unreleased(), "buffers left unreleased");
    }

    /** The pipeline's outcomes must be the model's events, in order, each exactly equal. */
    private static void assertOutcomes(MilterStreamModel model, List<Object> expected, List<Object> actual, int fed) {
        assertEquals(expected.size(), actual.size(), () -> "outcomes after " + fed + " bytes: " + actual
                + " (expected: " + expected + ")");
        for (int i = 0; i < expected.size(); i++) {
            Object want = expected.get(i);
            Object got = actual.get(i);
            if (want instanceof MilterCodecException wanted) {
                boolean lengthError = model.endsInLengthError() && i == model.events().size() - 1;
                assertCodecError(wanted, got, lengthError);
            } else {
                assertEquals(want, got, "outcome " + i + " after " + fed + " bytes");
            }
        }
    }

    private static void assertCodecError(MilterCodecException expected, Object actual, boolean lengthError) {
        if (!(actual instanceof MilterCodecException error) || actual.getClass() != MilterCodecException.class) {
            throw new AssertionError("expected " + expected + " but got " + actual,
                    actual instanceof Throwable cause ? cause : null);
        }
        assertNull(error.getCause(), "a deliberate rejection carries no cause");
        if (lengthError) {
            // The frame decoder adds the peer's address (" from embedded" here).
            assertTrue(error.getMessage().startsWith(expected.getMessage()),
                    () -> error.getMessage() + " (expected: " + expected.getMessage() + "...)");
        } else {
            assertEquals(expected.getMessage(), error.getMessage());
        }
    }

    /** Re-encoding each decoded reply and decoding it again gives an equal reply. */
    private static void assertRoundTrip(List<MilterReply> replies) {
        if (replies.isEmpty()) {
            return;
        }
        // Invalid UTF-8 decodes to U+FFFD (1 byte becomes 3), so the re-encoded packet may outgrow the bound.
        int bound = 3 * MAX_FRAME_LENGTH;
        TrackingAllocator allocator = new TrackingAllocator();
        EmbeddedChannel encoder = new EmbeddedChannel(new MilterReplyEncoder(bound));
        EmbeddedChannel decoder = new EmbeddedChannel(new MilterFrameDecoder(bound), new MilterReplyDecoder());
        encoder.config().setAllocator(allocator);
        decoder.config().setAllocator(allocator);
        try {
            for (MilterReply reply : replies) {
                // A duplicate: the encoder passes a body chunk on as is, and reading it moves its reader index.
                assertTrue(encoder.writeOutbound(reply instanceof ByteBufHolder body ? body.retainedDuplicate() : reply));
                for (ByteBuf part = encoder.readOutbound(); part != null; part = encoder.readOutbound()) {
                    decoder.writeInbound(part);
                }
                MilterReply again = decoder.readInbound();
                try {
                    assertEquals(reply, again, "round trip");
                } finally {
                    ReferenceCountUtil.release(again);
                }
                assertNull(decoder.readInbound());
            }
        } catch (MilterCodecException e) {
            fail("a re-encoded reply was rejected: " + e.getMessage(), e);
        } finally {
            encoder.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
        }
        assertEquals("", allocator.unreleased(), "round trip left buffers unreleased");
    }
}
