package org.pmult.pmilter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;

/** The server role's multiplexing rules, conversation by conversation, on an EmbeddedChannel. */
class PmilterServerHandlerTest {

    private static final PmilterResponse.NegotiateReply NEGOTIATED =
            new PmilterResponse.NegotiateReply(PmilterCodes.STAGE_CAPS_MASK, 0, Map.of(Stage.MAIL, List.of(Macro.TAID)));

    private final Map<String, ScriptedSession> sessions = new LinkedHashMap<>();
    private final AtomicReference<PmilterRequest.Negotiate> offered = new AtomicReference<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void connect() {
        channel = channel(0);
    }

    private EmbeddedChannel channel(int maxSessions) {
        return new EmbeddedChannel(new PmilterServerHandler(offer -> {
            offered.set(offer);
            return NEGOTIATED;
        }, (seid, connect, ch) -> {
            ScriptedSession session = new ScriptedSession(seid);
            sessions.put(seid, session);
            return session;
        }, maxSessions));
    }

    private static PmilterRequest.Connect connect(String seid) throws Exception {
        return new PmilterRequest.Connect(seid, InetAddress.getByName("192.0.2.1"), 40000, "client.example",
                PmilterMacros.EMPTY);
    }

    private void negotiate() {
        channel.writeInbound(new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0));
        assertEquals(NEGOTIATED, channel.readOutbound());
    }

    private PmilterResponse.Reply readReply() {
        Object out = channel.readOutbound();
        assertTrue(out instanceof PmilterResponse.Reply, "expected a REPLY but got " + out);
        return (PmilterResponse.Reply) out;
    }

    private ScriptedSession open(String seid) throws Exception {
        channel.writeInbound(connect(seid));
        ScriptedSession session = sessions.get(seid);
        session.answer(new PmilterResponse.Reply(seid, ReplyCode.CONTINUE));
        assertEquals(new PmilterResponse.Reply(seid, ReplyCode.CONTINUE), readReply());
        return session;
    }

    @Test
    void answersNegotiateWithWhatTheNegotiatorDecides() {
        // smtps offers everything
        channel.writeInbound(new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0));
        // pmult asks for the stages and the taid macro at MAIL
        assertEquals(NEGOTIATED, channel.readOutbound());
        assertEquals(new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0), offered.get());
    }

    @Test
    void answersPingWithContinueEvenBeforeNegotiate() {
        channel.writeInbound(new PmilterRequest.Ping());
        assertEquals(new PmilterResponse.PingReply(), channel.readOutbound());
    }

    @Test
    void repliesErrorToASessionCommandBeforeNegotiate() throws Exception {
        channel.writeInbound(connect("S1"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
        assertTrue(sessions.isEmpty());
    }

    @Test
    void opensASessionOnConnectAndPassesTheConnectToIt() throws Exception {
        negotiate();
        // smtps: CONNECT S1
        channel.writeInbound(connect("S1"));
        ScriptedSession session = sessions.get("S1");
        assertEquals(List.of(connect("S1")), session.requests);
        assertNull(channel.readOutbound(), "no reply until the session answers");
        // the session answers CONTINUE
        session.answer(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE), readReply());
        assertEquals(1, handler().sessionCount());
    }

    @Test
    void dispatchesCommandsBySessionIdAndInterleavesTheirReplies() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        ScriptedSession s2 = open("S2");
        // smtps: MAIL for S1, then RCPT for S2
        PmilterRequest.Mail mail = new PmilterRequest.Mail("S1", "<a@b>", null, PmilterMacros.of(Macro.TAID, "T1"));
        PmilterRequest.Rcpt rcpt = new PmilterRequest.Rcpt("S2", "<c@d>", 0, null, PmilterMacros.EMPTY);
        channel.writeInbound(mail);
        channel.writeInbound(rcpt);
        assertEquals(mail, s1.lastRequest());
        assertEquals(rcpt, s2.lastRequest());
        // S2 answers first: its reply goes out first
        s2.answer(new PmilterResponse.Reply("S2", ReplyCode.REJECT, "550 5.1.1 No such user"));
        assertEquals(new PmilterResponse.Reply("S2", ReplyCode.REJECT, "550 5.1.1 No such user"), readReply());
        s1.answer(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE), readReply());
    }

    @Test
    void repliesErrorToACommandForAnUnknownSessionAndReleasesItsChunk() {
        negotiate();
        ByteBuf chunk = Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII);
        channel.writeInbound(new PmilterRequest.Msg("S9", chunk));
        assertEquals(new PmilterResponse.Reply("S9", ReplyCode.ERROR), readReply());
        assertEquals(0, chunk.refCnt());
    }

    @Test
    void repliesErrorToADuplicateConnectAndKeepsTheLiveSession() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(connect("S1"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
        assertEquals(1, s1.requests.size(), "the live session never saw the second CONNECT");
        assertEquals(List.of(), s1.closes);
    }

    @Test
    void repliesErrorToASecondCommandWhileOneIsOutstanding() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Ehlo("S1", "c.example", HeloKind.EHLO, PmilterMacros.EMPTY));
        // smtps breaks the one-outstanding rule
        channel.writeInbound(new PmilterRequest.Mail("S1", "<a@b>", null, PmilterMacros.EMPTY));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
        assertEquals(2, s1.requests.size(), "the MAIL never reached the session");
        // the EHLO is still answered
        s1.answer(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE), readReply());
    }

    @Test
    void tempfailsConnectBeyondTheSessionLimit() throws Exception {
        channel = channel(2);
        negotiate();
        open("S1");
        open("S2");
        channel.writeInbound(connect("S3"));
        PmilterResponse.Reply reply = readReply();
        assertEquals(ReplyCode.TEMPFAIL, reply.code());
        assertEquals("451 4.3.2 Too many sessions on this pmilter connection (limit 2)", reply.text());
        assertFalse(sessions.containsKey("S3"));
        // once S1 is gone, S3 fits
        channel.writeInbound(new PmilterRequest.Close("S1"));
        channel.writeInbound(connect("S3"));
        assertTrue(sessions.containsKey("S3"));
    }

    @Test
    void negotiatedSessionLimitAppliesWhenLowerThanTheConfiguredOne() throws Exception {
        channel = new EmbeddedChannel(new PmilterServerHandler(
                offer -> new PmilterResponse.NegotiateReply(PmilterCodes.STAGE_CAPS_MASK, 1),
                (seid, connect, ch) -> sessions.computeIfAbsent(seid, ScriptedSession::new), 5));
        channel.writeInbound(new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0));
        channel.readOutbound();
        open("S1");
        channel.writeInbound(connect("S2"));
        assertEquals(ReplyCode.TEMPFAIL, readReply().code());
    }

    @Test
    void closeEndsTheSessionWithoutAReplyAndNotifiesItOnce() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Close("S1"));
        assertNull(channel.readOutbound(), "CLOSE gets no reply");
        assertEquals(List.of(CloseReason.CLOSE_COMMAND), s1.closes);
        assertEquals(0, handler().sessionCount());
        // a later command for S1 is for an unknown session
        channel.writeInbound(new PmilterRequest.Abort("S1"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
        channel.close();
        assertEquals(List.of(CloseReason.CLOSE_COMMAND), s1.closes, "not notified a second time");
    }

    @Test
    void closeForAnUnknownSessionIsIgnored() {
        negotiate();
        channel.writeInbound(new PmilterRequest.Close("S7"));
        assertNull(channel.readOutbound());
        assertTrue(channel.isOpen());
    }

    @Test
    void replyOfASessionClosedWhileItsCommandWasOutstandingIsDropped() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Dot("S1", PmilterMacros.EMPTY));
        channel.writeInbound(new PmilterRequest.Close("S1"));
        s1.answer(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE));
        assertNull(channel.readOutbound());
    }

    @Test
    void repliesErrorToAnUnknownCommandWithASessionIdAndIgnoresOneWithout() {
        negotiate();
        channel.writeInbound(new PmilterRequest.UnknownCommand(0x42, "S1"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
        channel.writeInbound(new PmilterRequest.UnknownCommand(0x42, null));
        assertNull(channel.readOutbound());
        assertTrue(channel.isOpen(), "neither kills the connection");
    }

    @Test
    void repliesErrorWhenTheSessionFails() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Data("S1", PmilterMacros.EMPTY));
        s1.replies.get(1).completeExceptionally(new IllegalStateException("milter gone"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
    }

    @Test
    void repliesErrorWhenTheSessionHandlerThrows() throws Exception {
        negotiate();
        channel = new EmbeddedChannel(new PmilterServerHandler(offer -> NEGOTIATED, (seid, connect, ch) ->
                new PmilterSessionHandler() {
                    @Override
                    public java.util.concurrent.CompletionStage<PmilterResponse.Reply> handle(
                            PmilterRequest.SessionRequest request) {
                        throw new IllegalStateException("bug");
                    }

                    @Override
                    public void closed(CloseReason reason) {
                    }
                }, 0));
        negotiate();
        channel.writeInbound(connect("S1"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
    }

    @Test
    void repliesErrorWhenTheSessionFactoryThrows() throws Exception {
        channel = new EmbeddedChannel(new PmilterServerHandler(offer -> NEGOTIATED, (seid, connect, ch) -> {
            throw new IllegalStateException("no milters configured");
        }, 0));
        negotiate();
        channel.writeInbound(connect("S1"));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
        assertEquals(0, handler().sessionCount());
    }

    @Test
    void repliesErrorInsteadOfAReplyForAnotherSession() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Data("S1", PmilterMacros.EMPTY));
        s1.answer(new PmilterResponse.Reply("S2", ReplyCode.CONTINUE));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
    }

    @Test
    void repliesErrorInsteadOfModificationsBeforeDot() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Data("S1", PmilterMacros.EMPTY));
        s1.answer(new PmilterResponse.Reply("S1", ReplyCode.CONTINUE, null,
                List.of(new PmilterModification.AddHeader("X-A", "1"))));
        assertEquals(new PmilterResponse.Reply("S1", ReplyCode.ERROR), readReply());
    }

    @Test
    void passesModificationsAtDot() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        channel.writeInbound(new PmilterRequest.Dot("S1", PmilterMacros.EMPTY));
        PmilterResponse.Reply reply = new PmilterResponse.Reply("S1", ReplyCode.CONTINUE, null,
                List.of(new PmilterModification.AddHeader("X-Scanned", "yes")));
        s1.answer(reply);
        assertEquals(reply, readReply());
    }

    @Test
    void notifiesEveryLiveSessionOnceWhenTheConnectionCloses() throws Exception {
        negotiate();
        ScriptedSession s1 = open("S1");
        ScriptedSession s2 = open("S2");
        channel.writeInbound(new PmilterRequest.Data("S2", PmilterMacros.EMPTY));
        channel.close();
        assertEquals(List.of(CloseReason.CONNECTION_CLOSED), s1.closes);
        assertEquals(List.of(CloseReason.CONNECTION_CLOSED), s2.closes);
        s2.answer(new PmilterResponse.Reply("S2", ReplyCode.CONTINUE));
        assertNull(channel.readOutbound(), "a reply after the close is dropped");
    }

    @Test
    void malformedInputClosesTheConnectionAndTellsSessionsWhy() throws Exception {
        channel = new EmbeddedChannel(new PmilterServerCodec(), new PmilterServerHandler(offer -> NEGOTIATED,
                (seid, connect, ch) -> sessions.computeIfAbsent(seid, ScriptedSession::new), 0));
        // typed messages pass the decoder untouched
        channel.writeInbound(new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0));
        channel.writeInbound(connect("S1"));
        assertTrue(sessions.containsKey("S1"));
        // smtps sends a frame whose length prefix is below the minimum
        ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 0});
        channel.writeInbound(garbage);
        assertFalse(channel.isOpen());
        assertEquals(0, garbage.refCnt());
        assertEquals(List.of(CloseReason.PROTOCOL_ERROR), sessions.get("S1").closes);
        ByteBuf negotiateReply = channel.readOutbound();
        negotiateReply.release();
        assertFalse(channel.finishAndReleaseAll(), "nothing else was written");
    }

    private PmilterServerHandler handler() {
        return channel.pipeline().get(PmilterServerHandler.class);
    }
}
