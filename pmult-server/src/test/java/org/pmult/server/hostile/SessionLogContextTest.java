package org.pmult.server.hostile;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.session.SessionLogContext;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Milter client's warnings — a timeout, a protocol error, each applying the default action —
 * carry the MeTA1 session id and, once seen, the Message-ID in the MDC, although they are logged
 * from the Milter connection's events (a timer, a reply) and two sessions share one event loop. At
 * TRACE the transcript shows both protocols, one decoded message per line, under the session id.
 */
class SessionLogContextTest {

    private static final String CLIENT = "hostile";
    private static final String SLOW = "SLOW01";
    private static final String GARBLED = "GARB01";
    private static final String MESSAGE_ID = "<mdc-test@example.org>";
    private static final String GARBLING_RECIPIENT = "<garble@example.net>";

    @TempDir
    Path directory;

    private EventLoopGroup group;
    private HostileMilter milter;
    private LogCapture logs;
    private PmultInstance pmult;
    private Meta1Client meta1;

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        milter = HostileMilter.start(group);
        logs = LogCapture.of("org.pmult");
        pmult = PmultInstance.start(directory, PmultInstance.client(CLIENT, milter.url(), "tempfail"));
        meta1 = Meta1Client.connect(group, pmult.address());
    }

    @AfterEach
    void stop() throws Exception {
        meta1.close();
        pmult.close();
        logs.close();
        milter.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void milterWarningsCarryTheirSessionAndMessageIdWhileSessionsInterleaveOnOneConnection() throws Exception {
        // The milter never answers end of message, and answers one recipient with a reply code it made up.
        milter.arm((ctx, command) -> {
            if (command.command() == Command.BODYEOB) {
                return true;
            }
            if (command instanceof MilterCommand.Rcpt rcpt && rcpt.recipient().equals(GARBLING_RECIPIENT)) {
                ctx.writeAndFlush(HostileMilter.rawFrame(1, (byte) 'z'));
                return true;
            }
            return false;
        });
        // Both sessions on one MeTA1 connection: one pmult event loop serves them and both Milter connections.
        meta1.beginSession(SLOW);
        meta1.beginSession(GARBLED);

        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Rcpt(SLOW, "<friend@example.net>", 0, null, PmilterMacros.EMPTY));
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Data(SLOW, PmilterMacros.EMPTY));
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Msg(SLOW, Unpooled.copiedBuffer(
                "Subject: mdc\r\nMessage-ID: " + MESSAGE_ID + "\r\n\r\nbody\r\n", StandardCharsets.US_ASCII)));
        CompletableFuture<PmilterResponse.Reply> slowDot = meta1.connection().send(new PmilterRequest.Dot(SLOW, PmilterMacros.EMPTY));

        meta1.expect(ReplyCode.TEMPFAIL, new PmilterRequest.Rcpt(GARBLED, GARBLING_RECIPIENT, 0, null, PmilterMacros.EMPTY));
        ILoggingEvent protocolError = logs.awaitEvent(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "unknown reply code", "applying default action tempfail");
        assertEquals(Map.of(SessionLogContext.SESSION, GARBLED), protocolError.getMDCPropertyMap(),
                "a session before its message has no Message-ID");

        assertEquals(ReplyCode.TEMPFAIL, slowDot.get(10, TimeUnit.SECONDS).code());
        ILoggingEvent timeout = logs.awaitEvent(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "no reply to SMFIC_BODYEOB within 3s", "applying default action tempfail");
        assertEquals(Map.of(SessionLogContext.SESSION, SLOW, SessionLogContext.MSGID, MESSAGE_ID),
                timeout.getMDCPropertyMap());

        for (ILoggingEvent warning : logs.events(Level.WARN)) {
            assertNotNull(warning.getMDCPropertyMap().get(SessionLogContext.SESSION),
                    () -> "every warning here is about a session: " + warning);
        }
        assertNull(MDC.get(SessionLogContext.SESSION), "nothing leaks into the test's thread");
    }

    @Test
    void traceGivesTheDecodedTranscriptOfBothSidesOneLineEachWithTheSession() throws Exception {
        Logger transcript = (Logger) LoggerFactory.getLogger("org.pmult.transcript");
        Level before = transcript.getLevel();
        transcript.setLevel(Level.TRACE); // what --debug trace does for all of org.pmult
        try {
            meta1.expect(ReplyCode.CONTINUE, Meta1Client.connect("TRACE1"));
        } finally {
            transcript.setLevel(before);
        }

        List<String> lines = logs.events(Level.TRACE).stream()
                .map(e -> e.getMDCPropertyMap().get(SessionLogContext.SESSION) + " " + e.getLoggerName() + ": "
                        + e.getFormattedMessage())
                .toList();
        List<String> expected = List.of(
                "TRACE1 org.pmult.transcript.pmilter: pmilter ", "<- Connect[seid=TRACE1, ",
                "TRACE1 org.pmult.transcript.milter: milter \"" + CLIENT + "\" (", "-> Connect[hostname=good.example",
                "TRACE1 org.pmult.transcript.milter: milter \"" + CLIENT + "\" (", "<- Continue",
                "TRACE1 org.pmult.transcript.pmilter: pmilter ", "-> Reply[seid=TRACE1, code=CONTINUE");
        int at = 0;
        for (int i = 0; i < expected.size(); i += 2) {
            String start = expected.get(i);
            String fragment = expected.get(i + 1);
            int from = at;
            at = indexOf(lines, from, start, fragment);
            assertTrue(at >= 0, "expected after line " + from + ": " + start + "…" + fragment + " in " + lines);
            at++;
        }
    }

    private static int indexOf(List<String> lines, int from, String start, String fragment) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith(start) && lines.get(i).contains(fragment)) {
                return i;
            }
        }
        return -1;
    }
}
