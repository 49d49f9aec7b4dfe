package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.server.PmilterServerCodec;
import org.slf4j.LoggerFactory;

/** At TRACE, logger org.pmult.pmilter.wire shows every frame in hex, both directions; otherwise nothing. */
class PmilterWireLoggerTest {

    private final Logger wire = (Logger) LoggerFactory.getLogger(PmilterWireLogger.LOGGER_NAME);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeEach
    void capture() {
        events.start();
        wire.addAppender(events);
        wire.setAdditive(false); // keep the hex dumps out of the test output
    }

    @AfterEach
    void release() {
        wire.detachAppender(events);
        wire.setAdditive(true);
        wire.setLevel(null);
    }

    @Test
    void logsEveryFrameInHexAtTrace() {
        wire.setLevel(Level.TRACE);
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        channel.writeInbound(Hex.buffer(WorkedExamplesTest.NEGOTIATE));
        channel.readInbound();
        channel.writeOutbound(WorkedExamplesTest.REJECT_MESSAGE);
        ByteBuf sent = channel.readOutbound();
        sent.release();
        List<String> lines = events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("received 52 bytes:"), lines.get(0));
        assertTrue(lines.get(0).contains("00 00 00 30 00 00 00 04 00 00 00 01 00 00 00 01"), lines.get(0));
        assertTrue(lines.get(1).contains("sent 70 bytes:"), lines.get(1));
        assertTrue(lines.get(1).contains("37 2e 31 20 4e 6f"), lines.get(1)); // the last row: "7.1 No"
        assertEquals(Level.TRACE, events.list.get(0).getLevel());
    }

    @Test
    void logsTheStartOfInputRejectedBeforeItFormedAFrame() {
        wire.setLevel(Level.TRACE);
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 9}));
        } catch (PmilterCodecException expected) {
            // the rejection itself is covered elsewhere
        }
        String line = events.list.get(0).getFormattedMessage();
        assertTrue(line.contains("rejected input (message length: 1 (expected: 12..1048576))"), line);
        assertTrue(line.contains("00 00 00 01 09"), line);
    }

    @Test
    void logsNothingBelowTrace() {
        wire.setLevel(Level.DEBUG);
        EmbeddedChannel channel = new EmbeddedChannel(new PmilterServerCodec());
        channel.writeInbound(Hex.buffer(WorkedExamplesTest.NEGOTIATE));
        channel.writeOutbound(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE));
        channel.finishAndReleaseAll();
        assertEquals(List.of(), events.list);
    }
}
