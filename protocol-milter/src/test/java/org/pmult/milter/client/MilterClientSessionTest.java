package org.pmult.milter.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MTA side against an in-process scripted milter over real loopback sockets. Each test reads as
 * the conversation: what pmult sends, what the milter answers, what the caller gets.
 */
class MilterClientSessionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final MilterMacroNames CONNECT_MACRO_NAMES = MilterMacroNames.of("{client_addr}", "j");
    private static final Map<MacroStage, MilterMacroNames> MAILFROMD_LISTS = Map.of(
            MacroStage.CONNECT, MilterMacroNames.parseList("{client_addr} {client_name} j {daemon_name}"),
            MacroStage.ENVFROM, MilterMacroNames.parseList("f {mail_addr} i"),
            MacroStage.EOM, MilterMacroNames.parseList("i {client_addr} {mail_addr}"));

    private static EventLoopGroup group;

    private ScriptedMilter milter;
    private MilterClientSession session;

    @BeforeAll
    static void startEventLoops() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEventLoops() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeBoth() {
        if (session != null) {
            result(session.close());
        }
        if (milter != null) {
            milter.close();
        }
    }

    @Test
    void negotiatesVersion6AndExposesTheMacroListsTheMilterAskedFor() {
        openWith(ScriptedMilter.builder().negotiate(
                new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, 0x750, MAILFROMD_LISTS)));

        NegotiatedOptions options = result(session.negotiation());

        assertEquals(new MilterCommand.OptionNegotiation(6, MilterCodes.V6_ACTIONS,
                MilterClientSettings.DEFAULT_OFFERED_PROTOCOL), milter.received().get(0));
        assertEquals(6, options.version());
        assertTrue(options.allows(ActionFlag.CHGFROM));
        assertTrue(options.allows(ActionFlag.SETSYMLIST));
        assertFalse(options.sends(MilterStage.BODY), "NOBODY");
        assertFalse(options.sends(MilterStage.EOH), "NOEOH");
        assertFalse(options.sends(MilterStage.DATA), "NODATA");
        assertFalse(options.sends(MilterStage.UNKNOWN), "NOUNKNOWN");
        assertTrue(options.sends(MilterStage.RCPT));
        assertTrue(options.awaitsReply(MilterStage.RCPT));
        assertTrue(options.has(ProtocolFlag.SKIP));
        assertEquals(MAILFROMD_LISTS, options.requestedMacros());
        assertEquals(List.of("i", "{client_addr}", "{mail_addr}"),
                options.requestedMacros(MacroStage.EOM).orElseThrow().names());
        assertTrue(options.requestedMacros(MacroStage.HELO).isEmpty());
        assertEquals(MilterClientState.READY, session.state());
    }

    @Test
    void runsAWholeTransactionSendingMacrosRightBeforeTheirCommands() {
        openWith(ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, 0))
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.AddHeader("X-Scripted", "yes"),
                        new MilterReply.InsertHeader(0, "X-First", "1"),
                        new MilterReply.ChangeHeader(1, "Subject", "[tagged] hello"),
                        new MilterReply.AddRcpt("<copy@example.net>"),
                        new MilterReply.AddRcptWithArgs("<notify@example.net>", "NOTIFY=NEVER"),
                        new MilterReply.DeleteRcpt("<bob@example.net>"),
                        new MilterReply.ChangeFrom("<bounce@example.org>", ""),
                        new MilterReply.ReplaceBody(Unpooled.copiedBuffer("new body\r\n", StandardCharsets.US_ASCII)),
                        new MilterReply.Quarantine("looks odd"),
                        MilterReply.ACCEPT)));
        MilterMacros connectMacros = MilterMacros.of(CONNECT_MACRO_NAMES, "192.0.2.10", "mx.example.org");
        MilterMacros mailMacros = MilterMacros.of(MilterMacroNames.of("i", "{auth_authen}"), "QID1", null);

        assertSame(MilterVerdict.CONTINUE, result(session.connect(connectMacros, "client.example.com",
                AddressFamily.INET, 40000, "192.0.2.10")));
        assertSame(MilterVerdict.CONTINUE, result(session.helo(MilterMacros.EMPTY, "client.example.com")));
        assertSame(MilterVerdict.CONTINUE, result(session.mail(mailMacros, "<alice@example.org>", List.of("SIZE=42"))));
        assertSame(MilterVerdict.CONTINUE, result(session.rcpt(MilterMacros.EMPTY, "<bob@example.net>", List.of())));
        assertSame(MilterVerdict.CONTINUE, result(session.data(MilterMacros.EMPTY)));
        assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "Subject", "hello")));
        assertSame(MilterVerdict.CONTINUE, result(session.endOfHeaders(MilterMacros.EMPTY)));
        ByteBuf body = Unpooled.directBuffer().writeBytes("hello\r\n".getBytes(StandardCharsets.US_ASCII));
        assertSame(MilterVerdict.CONTINUE, result(session.body(MilterMacros.EMPTY, body)));
        MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));

        assertEquals(0, body.refCnt(), "the session releases the body it was given");
        assertSame(MilterVerdict.ACCEPT, eom.verdict());
        assertEquals(9, eom.modifications().size());
        assertEquals(new MilterReply.AddHeader("X-Scripted", " yes"), eom.modifications().get(0),
                "the MTA's one space after the colon, as the filter did not negotiate HDR_LEADSPC");
        assertEquals(new MilterReply.ChangeFrom("<bounce@example.org>", ""), eom.modifications().get(6));
        MilterReply.ReplaceBody newBody = assertInstanceOf(MilterReply.ReplaceBody.class, eom.modifications().get(7));
        assertEquals("new body\r\n", newBody.content().toString(StandardCharsets.US_ASCII));
        assertEquals(new MilterReply.Quarantine("looks odd"), eom.modifications().get(8));
        eom.release();
        assertEquals(0, newBody.refCnt());

        result(session.close());
        eventually().until(() -> milter.received().size() == 13);
        assertEquals(List.of(Command.OPTNEG, Command.MACRO, Command.CONNECT, Command.HELO, Command.MACRO, Command.MAIL,
                Command.RCPT, Command.DATA, Command.HEADER, Command.EOH, Command.BODY, Command.BODYEOB, Command.QUIT),
                codes(milter.received()));
        assertEquals(new MilterCommand.Macros(Command.CONNECT, connectMacros), milter.received().get(1));
        assertEquals(new MilterCommand.Connect("client.example.com", AddressFamily.INET, 40000, "192.0.2.10"),
                milter.received().get(2));
        MilterCommand.Macros sentMailMacros = (MilterCommand.Macros) milter.received().get(4);
        assertSame(Command.MAIL, sentMailMacros.stage());
        assertEquals(Map.of("i", "QID1"), sentMailMacros.macros().toMap(), "unknown values are left out");
        assertEquals(new MilterCommand.Mail("<alice@example.org>", List.of("SIZE=42")), milter.received().get(5));
        assertEquals(MilterClientState.CLOSED, session.state());
    }

    @Test
    void fallsBackToV2WhenMilterAnnouncesV2() {
        openWith(ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(2, 0x7F, 0x350)));

        NegotiatedOptions options = result(session.negotiation());
        assertEquals(2, options.version());
        assertEquals(ProtocolFlag.maskOf(ProtocolFlag.NOBODY, ProtocolFlag.NOEOH), options.protocol(),
                "flags version 2 does not define are dropped");
        assertTrue(options.allows(ActionFlag.CHGFROM), "mailfromd claims CHGFROM even at v2; it was offered");

        result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.INET6, 25, "2001:db8::1"));
        result(session.helo(MilterMacros.EMPTY, "h"));
        result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of()));
        assertSame(MilterVerdict.CONTINUE, result(session.unknown(MilterMacros.EMPTY, "XYZZY")), "v3+ only");
        assertSame(MilterVerdict.CONTINUE, result(session.data(MilterMacros.EMPTY)), "v4+ only");
        result(session.header(MilterMacros.EMPTY, "Subject", "x"));
        assertSame(MilterVerdict.CONTINUE, result(session.endOfHeaders(MilterMacros.EMPTY)), "NOEOH");
        result(session.endOfMessage(MilterMacros.EMPTY));

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.HEADER, Command.BODYEOB),
                codes(milter.received()));
    }

    @Test
    void retriesOnceOfferingV2WhenTheMilterClosesRightAfterOptionNegotiation() {
        openWith(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> connection == 0
                ? MilterScriptResponse.close()
                : MilterScriptResponse.reply(new MilterReply.OptionNegotiation(2, 0x7F, 0x50))));

        assertEquals(2, result(session.negotiation()).version());
        assertEquals(2, milter.connections());
        List<MilterCommand> offers = milter.received(Command.OPTNEG);
        assertEquals(6, ((MilterCommand.OptionNegotiation) offers.get(0)).version());
        assertEquals(new MilterCommand.OptionNegotiation(2, MilterCodes.V2_FALLBACK_ACTIONS, MilterCodes.V2_PROTOCOL),
                offers.get(1));
        assertSame(MilterVerdict.CONTINUE, result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, "")));
    }

    @Test
    void givesUpWhenTheMilterAlsoClosesAfterTheV2Offer() {
        openWith(ScriptedMilter.builder().on(Command.OPTNEG, (command, connection) -> MilterScriptResponse.close()));

        MilterFailure failure = negotiationFailure();
        assertEquals(MilterFailure.Kind.CLOSED, failure.kind());
        assertEquals(MilterStage.NEGOTIATE, failure.stage());
        assertEquals(2, milter.connections());
        assertDefaultAction(result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, "")),
                MilterFailure.Kind.CLOSED);
    }

    @Test
    void rejectsAnAnswerWithAVersionHigherThanOffered() {
        openWith(ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(7, 0x1FF, 0)));

        MilterFailure failure = negotiationFailure();
        assertEquals(MilterFailure.Kind.PROTOCOL, failure.kind());
        assertEquals("SMFIR_OPTNEG: version 7 (expected: <= 6, the version offered)", failure.message());
        assertEquals(MilterClientState.ERROR, session.state());
    }

    @Test
    void rejectsAnAnswerAskingForActionsNotOffered() {
        openWith(ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(6, 0x1FF, 0)),
                MilterClientSettings.builder("test").offeredActions(MilterCodes.V2_ACTIONS).build());

        MilterFailure failure = negotiationFailure();
        assertEquals("SMFIR_OPTNEG: actions CHGFROM|ADDRCPT_PAR|SETSYMLIST were not offered"
                + " (offered: ADDHDRS|CHGBODY|ADDRCPT|DELRCPT|CHGHDRS|QUARANTINE)", failure.message());
    }

    @Test
    void doesNotWaitForRepliesTheMilterNegotiatedAway() {
        int noReplies = ProtocolFlag.maskOf(ProtocolFlag.NR_CONN, ProtocolFlag.NR_RCPT, ProtocolFlag.NR_HDR);
        openWith(ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, 0x1FF, noReplies))
                .on(Command.MAIL, (command, connection) -> MilterScriptResponse.reply(MilterReply.TEMPFAIL)));

        assertSame(MilterVerdict.CONTINUE, result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, "")));
        // pmult sends two RCPTs without waiting; the milter stays silent as agreed
        Future<MilterVerdict> rcpt1 = session.rcpt(MilterMacros.EMPTY, "<x@y>", List.of());
        Future<MilterVerdict> rcpt2 = session.rcpt(MilterMacros.EMPTY, "<z@y>", List.of());
        // the next answered command still gets its own answer: nothing went out of step
        Future<MilterVerdict> mail = session.mail(MilterMacros.EMPTY, "<a@b>", List.of());
        assertSame(MilterVerdict.CONTINUE, result(rcpt1));
        assertSame(MilterVerdict.CONTINUE, result(rcpt2));
        assertSame(MilterVerdict.TEMPFAIL, result(mail));
        assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "A", "1")));
        assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "B", "2")));
        assertSame(MilterVerdict.CONTINUE, result(session.endOfMessage(MilterMacros.EMPTY)).verdict());

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.RCPT, Command.RCPT, Command.MAIL,
                Command.HEADER, Command.HEADER, Command.BODYEOB), codes(milter.received()));
    }

    @Test
    void skipsStagesTheMilterSwitchedOffIncludingTheirMacros() {
        openWith(ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(6, 0x1FF,
                ProtocolFlag.maskOf(ProtocolFlag.NOHELO, ProtocolFlag.NOCONNECT))));
        MilterMacros macros = MilterMacros.of(CONNECT_MACRO_NAMES, "192.0.2.1", "mx");

        assertSame(MilterVerdict.CONTINUE, result(session.connect(macros, "h", AddressFamily.INET, 1, "192.0.2.1")));
        assertSame(MilterVerdict.CONTINUE, result(session.helo(macros, "h")));
        assertSame(MilterVerdict.CONTINUE, result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of())));

        assertEquals(List.of(Command.OPTNEG, Command.MAIL), codes(milter.received()));
        assertEquals(MilterClientState.ENVELOPE, session.state());
    }

    @Test
    void stopsSendingBodyAfterSkip() {
        openWith(ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, 0x1FF, ProtocolFlag.SKIP.bit()))
                .on(Command.BODY, (command, connection) -> MilterScriptResponse.reply(MilterReply.SKIP)));
        startMessage();

        ByteBuf twoChunks = Unpooled.wrappedBuffer(new byte[100_000]);
        assertSame(MilterVerdict.SKIP, result(session.body(MilterMacros.EMPTY, twoChunks)));
        assertEquals(0, twoChunks.refCnt());
        ByteBuf more = Unpooled.wrappedBuffer(new byte[10]);
        assertSame(MilterVerdict.SKIP, result(session.body(MilterMacros.EMPTY, more)), "nothing more is sent");
        assertEquals(0, more.refCnt());
        assertEquals(MilterClientState.SKIPPING_BODY, session.state());
        assertSame(MilterVerdict.CONTINUE, result(session.endOfMessage(MilterMacros.EMPTY)).verdict());

        assertEquals(1, milter.received(Command.BODY).size());
        assertEquals(MilterCodes.MAX_BODY_CHUNK, ((MilterCommand.Body) milter.received(Command.BODY).get(0)).content().readableBytes());
        assertEquals(MilterClientState.ENVELOPE, session.state());
    }

    @Test
    void splitsALargeBodyIntoChunksOfAtMost65535Bytes() {
        openWith(ScriptedMilter.builder());
        startMessage();
        byte[] bytes = new byte[150_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }

        assertSame(MilterVerdict.CONTINUE, result(session.body(MilterMacros.EMPTY, Unpooled.wrappedBuffer(bytes))));

        List<MilterCommand> chunks = milter.received(Command.BODY);
        List<Integer> sizes = new ArrayList<>();
        ByteBuf joined = Unpooled.buffer();
        for (MilterCommand chunk : chunks) {
            ByteBuf content = ((MilterCommand.Body) chunk).content();
            sizes.add(content.readableBytes());
            joined.writeBytes(content, content.readerIndex(), content.readableBytes());
        }
        assertEquals(List.of(65535, 65535, 150_000 - 2 * 65535), sizes);
        assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(bytes), joined));
        joined.release();
    }

    @Test
    void tempfailsWhenMilterTimesOutOnRcpt() {
        List<String> failures = new CopyOnWriteArrayList<>();
        milter = startMilter(ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> MilterScriptResponse.silent()));
        session = open(MilterClientSettings.builder("mfd").readTimeout(Duration.ofMillis(200))
                .observer(new MilterClientObserver() {
                    @Override
                    public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
                        failures.add(stage.tag() + " " + kind + " " + message);
                    }
                }).build());
        startEnvelope();

        MilterVerdict verdict = result(session.rcpt(MilterMacros.EMPTY, "<slow@example.net>", List.of()));

        MilterVerdict.DefaultActionApplied applied = assertDefaultAction(verdict, MilterFailure.Kind.TIMEOUT);
        assertSame(DefaultAction.TEMPFAIL, applied.action());
        assertSame(MilterVerdict.TEMPFAIL, verdict.resolved());
        assertEquals(MilterStage.RCPT, applied.failure().stage());
        assertEquals("no reply to SMFIC_RCPT within 200ms", applied.failure().message());
        assertEquals(List.of("rcpt TIMEOUT no reply to SMFIC_RCPT within 200ms"), failures);
        assertEquals(MilterClientState.ERROR, session.state());
        // every later call answers the same default action at once
        assertSame(verdict, result(session.rcpt(MilterMacros.EMPTY, "<next@example.net>", List.of())));
        assertSame(verdict, result(session.endOfMessage(MilterMacros.EMPTY)).verdict());
    }

    @Test
    void appliesTheConfiguredDefaultActionWhenTheMilterDiesMidSession() {
        openWith(ScriptedMilter.builder().on(Command.MAIL, (command, connection) -> MilterScriptResponse.close()),
                MilterClientSettings.builder("mfd").defaultAction(DefaultAction.ACCEPT).build());
        startEnvelope();

        MilterVerdict verdict = result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of()));

        MilterVerdict.DefaultActionApplied applied = assertDefaultAction(verdict, MilterFailure.Kind.CLOSED);
        assertEquals("connection closed while waiting for the reply to SMFIC_MAIL", applied.failure().message());
        assertSame(MilterVerdict.ACCEPT, verdict.resolved());
        assertSame(verdict, result(session.rcpt(MilterMacros.EMPTY, "<c@d>", List.of())));
    }

    @Test
    void appliesTheDefaultActionWhenNothingListens() throws Exception {
        SocketAddress nowhere;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = probe.getLocalSocketAddress();
        }
        session = MilterClientSession.open(new Bootstrap().group(group).channel(NioSocketChannel.class), nowhere,
                MilterClientSettings.builder("gone").defaultAction(DefaultAction.REJECT).build());

        MilterFailure failure = negotiationFailure();
        assertEquals(MilterFailure.Kind.CONNECT, failure.kind());
        assertTrue(failure.message().startsWith("cannot connect: "), failure.message());
        MilterVerdict verdict = result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, ""));
        assertSame(MilterVerdict.REJECT, assertDefaultAction(verdict, MilterFailure.Kind.CONNECT).resolved());
    }

    @Test
    void progressRestartsTheEndOfMessageTimer() {
        Duration beat = Duration.ofMillis(150);
        openWith(ScriptedMilter.builder().on(Command.BODYEOB, (command, connection) ->
                MilterScriptResponse.sequence(
                        MilterScriptResponse.pause(beat), MilterScriptResponse.reply(MilterReply.PROGRESS),
                        MilterScriptResponse.pause(beat), MilterScriptResponse.reply(MilterReply.PROGRESS),
                        MilterScriptResponse.pause(beat), MilterScriptResponse.reply(MilterReply.PROGRESS),
                        MilterScriptResponse.pause(beat),
                        MilterScriptResponse.reply(new MilterReply.AddHeader("X-Slow", "1"), MilterReply.CONTINUE))),
                MilterClientSettings.builder("slow").eomTimeout(Duration.ofMillis(400)).build());
        startMessage();

        MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));

        assertSame(MilterVerdict.CONTINUE, eom.verdict(), "600 ms in total, but never 400 ms without progress");
        assertEquals(List.of(new MilterReply.AddHeader("X-Slow", " 1")), eom.modifications());
    }

    @Test
    void endOfMessageTimesOutWithoutProgress() {
        openWith(ScriptedMilter.builder().on(Command.BODYEOB, (command, connection) ->
                MilterScriptResponse.reply(new MilterReply.ReplaceBody(Unpooled.copiedBuffer(new byte[] {'x'})))),
                MilterClientSettings.builder("slow").eomTimeout(Duration.ofMillis(200)).build());
        startMessage();

        MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));

        assertEquals("no reply to SMFIC_BODYEOB within 200ms",
                assertDefaultAction(eom.verdict(), MilterFailure.Kind.TIMEOUT).failure().message());
        assertEquals(List.of(), eom.modifications(), "changes of a failed end of message are dropped");
    }

    @Test
    void aModificationThatWasNotNegotiatedIsAProtocolError() {
        openWith(ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, ActionFlag.ADDHDRS.bit(), 0))
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.ChangeFrom("<x@y>", ""), MilterReply.CONTINUE)));
        startMessage();

        MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));

        assertEquals("SMFIR_CHGFROM needs SMFIF_CHGFROM, which was not negotiated",
                assertDefaultAction(eom.verdict(), MilterFailure.Kind.PROTOCOL).failure().message());
    }

    @Test
    void aReplyThatDoesNotFitTheStageIsAProtocolError() {
        openWith(ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> MilterScriptResponse.reply(MilterReply.SKIP)));
        startEnvelope();

        MilterVerdict verdict = result(session.rcpt(MilterMacros.EMPTY, "<x@y>", List.of()));

        assertEquals("unexpected SMFIR_SKIP in reply to SMFIC_RCPT",
                assertDefaultAction(verdict, MilterFailure.Kind.PROTOCOL).failure().message());
    }

    @Test
    void aPacketOverTheLimitIsAProtocolError() {
        openWith(ScriptedMilter.builder().maxFrameLength(1 << 20)
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.ReplaceBody(Unpooled.wrappedBuffer(new byte[70_000])), MilterReply.CONTINUE)));
        startMessage();

        MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));

        String message = assertDefaultAction(eom.verdict(), MilterFailure.Kind.PROTOCOL).failure().message();
        assertTrue(message.startsWith("packet length 70001 (expected: <= 65536) from "), message);
    }

    @Test
    void aReplyCodeThatIsNoSmtpErrorIsAProtocolError() {
        openWith(ScriptedMilter.builder()
                .on(Command.HELO, (command, connection) -> MilterScriptResponse.reply(new MilterReply.ReplyCode("250 ok"))));
        result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, ""));

        MilterVerdict verdict = result(session.helo(MilterMacros.EMPTY, "h"));

        assertEquals("SMFIR_REPLYCODE in reply to SMFIC_HELO breaks the rule \"the reply starts with a 4xx (tempfail)"
                        + " or 5xx (reject) code\" (begins \"250 ok\")",
                assertDefaultAction(verdict, MilterFailure.Kind.PROTOCOL).failure().message());
    }

    @Test
    void aReplyTextInjectingAnotherSmtpReplyGetsTheDefaultActionNamingTheRule() {
        openWith(ScriptedMilter.builder().on(Command.MAIL, (command, connection) ->
                MilterScriptResponse.reply(new MilterReply.ReplyCode("550 5.7.1 no\n250 2.0.0 Ok"))));
        startEnvelope();

        MilterVerdict verdict = result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of()));

        assertEquals("SMFIR_REPLYCODE in reply to SMFIC_MAIL breaks the rule \"lines are separated by CRLF only, with"
                        + " no bare CR or LF and no empty line\" (bare LF in line 1)",
                assertDefaultAction(verdict, MilterFailure.Kind.PROTOCOL).failure().message());
    }

    @Test
    void aValidReplyTextReachesTheCallerWithItsPercentSignsUndoubled() {
        openWith(ScriptedMilter.builder().on(Command.MAIL, (command, connection) ->
                MilterScriptResponse.reply(new MilterReply.ReplyCode("550-5.7.1 100%% spam\r\n550 5.7.1 go away"))));
        startEnvelope();

        MilterVerdict verdict = result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of()));

        assertEquals(new MilterVerdict.ReplyCode("550-5.7.1 100% spam\r\n550 5.7.1 go away"), verdict);
    }

    @Test
    void aRejectedConnectionRepeatsItsVerdictWithoutSendingMore() {
        openWith(ScriptedMilter.builder().on(Command.CONNECT, (command, connection) ->
                MilterScriptResponse.reply(new MilterReply.ReplyCode("554 5.7.1 You are not welcome"))));

        MilterVerdict verdict = result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, ""));
        MilterVerdict.ReplyCode reply = assertInstanceOf(MilterVerdict.ReplyCode.class, verdict);
        assertEquals(554, reply.code());
        assertFalse(reply.isTemporary());
        assertSame(verdict, result(session.helo(MilterMacros.EMPTY, "h")));
        assertSame(verdict, result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of())));

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT), codes(milter.received()));
        assertEquals(MilterClientState.REJECT_CONNECTION, session.state());
    }

    @Test
    void anAcceptedMessageSendsNoMoreOfItsEventsButTheNextMessageIsSentAgain() {
        openWith(ScriptedMilter.builder().on(Command.MAIL, (command, connection) ->
                ((MilterCommand.Mail) command).sender().equals("<trusted@example.org>")
                        ? MilterScriptResponse.reply(MilterReply.ACCEPT) : MilterScriptResponse.reply(MilterReply.CONTINUE)));
        startEnvelope();

        assertSame(MilterVerdict.ACCEPT, result(session.mail(MilterMacros.EMPTY, "<trusted@example.org>", List.of())));
        assertSame(MilterVerdict.CONTINUE, result(session.rcpt(MilterMacros.EMPTY, "<x@y>", List.of())));
        assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "Subject", "s")));
        assertSame(MilterVerdict.CONTINUE, result(session.endOfMessage(MilterMacros.EMPTY)).verdict());
        assertSame(MilterVerdict.CONTINUE, result(session.mail(MilterMacros.EMPTY, "<other@example.org>", List.of())));
        assertSame(MilterVerdict.CONTINUE, result(session.rcpt(MilterMacros.EMPTY, "<x@y>", List.of())));

        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.MAIL, Command.RCPT),
                codes(milter.received()));
    }

    @Test
    void callsIssuedWithoutWaitingRunInOrderFromAnyThread() {
        openWith(ScriptedMilter.builder().on(Command.RCPT, (command, connection) ->
                ((MilterCommand.Rcpt) command).recipient().startsWith("<bad")
                        ? MilterScriptResponse.reply(MilterReply.REJECT) : MilterScriptResponse.reply(MilterReply.CONTINUE)));

        // all issued before negotiation has even finished
        Future<MilterVerdict> connect = session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, "");
        Future<MilterVerdict> helo = session.helo(MilterMacros.EMPTY, "h");
        Future<MilterVerdict> mail = session.mail(MilterMacros.EMPTY, "<a@b>", List.of());
        List<Future<MilterVerdict>> rcpts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rcpts.add(session.rcpt(MilterMacros.EMPTY, (i % 7 == 0 ? "<bad" : "<good") + i + "@x>", List.of()));
        }

        assertSame(MilterVerdict.CONTINUE, result(connect));
        assertSame(MilterVerdict.CONTINUE, result(helo));
        assertSame(MilterVerdict.CONTINUE, result(mail));
        for (int i = 0; i < rcpts.size(); i++) {
            assertSame(i % 7 == 0 ? MilterVerdict.REJECT : MilterVerdict.CONTINUE, result(rcpts.get(i)), "rcpt " + i);
        }
        List<MilterCommand> sent = milter.received(Command.RCPT);
        for (int i = 0; i < sent.size(); i++) {
            assertTrue(((MilterCommand.Rcpt) sent.get(i)).recipient().endsWith(i + "@x>"));
        }
    }

    @Test
    void callingAStageOutOfOrderFailsOnlyThatCall() {
        openWith(ScriptedMilter.builder());
        result(session.negotiation());

        Future<MilterVerdict> helo = session.helo(MilterMacros.EMPTY, "h");
        eventually().until(helo::isDone);
        assertInstanceOf(IllegalStateException.class, helo.cause());
        assertTrue(helo.cause().getMessage().endsWith("helo is not allowed in state READY"), helo.cause().getMessage());

        assertSame(MilterVerdict.CONTINUE, result(session.connect(MilterMacros.EMPTY, "h", AddressFamily.UNKNOWN, 0, "")));
    }

    @Test
    void abortEndsTheMessageAndIsNeverAnswered() {
        openWith(ScriptedMilter.builder());
        startMessage();

        assertSame(MilterVerdict.CONTINUE, result(session.abort()));
        assertEquals(MilterClientState.ENVELOPE, session.state());
        assertSame(MilterVerdict.CONTINUE, result(session.mail(MilterMacros.EMPTY, "<next@example.org>", List.of())));
        List<Command> codes = codes(milter.received());
        assertEquals(List.of(Command.DATA, Command.ABORT, Command.MAIL), codes.subList(codes.size() - 3, codes.size()));
    }

    @Test
    void closeSendsQuitAndLaterCallsGetTheDefaultAction() {
        openWith(ScriptedMilter.builder());
        startEnvelope();

        result(session.close());

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
        MilterVerdict verdict = result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of()));
        assertEquals("session closed by pmult", assertDefaultAction(verdict, MilterFailure.Kind.CLOSED).failure().message());
    }

    @Test
    void closeWhileAReplyIsOutstandingQuitsAtOnceInsteadOfWaitingForTheTimeout() {
        openWith(ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> MilterScriptResponse.silent()),
                settings().toBuilder().readTimeout(java.time.Duration.ofSeconds(60)).build());
        startEnvelope();
        io.netty.util.concurrent.Future<MilterVerdict> rcpt = session.rcpt(MilterMacros.EMPTY, "<x@y>", List.of());
        eventually().until(() -> milter.received(Command.RCPT).size() == 1);

        result(session.close());

        // the MTA side went away: QUIT goes out now, not after the 60 s read timeout
        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
        assertEquals("session closed by pmult", assertDefaultAction(result(rcpt), MilterFailure.Kind.CLOSED).failure().message());
        assertEquals(MilterClientState.CLOSED, session.state());
    }

    @Test
    void recyclingSendsQuitNcAndTheNextSessionRunsOnTheSameConnectionWithoutNegotiatingAgain() {
        openWith(ScriptedMilter.builder());
        startMessage();
        result(session.endOfMessage(MilterMacros.EMPTY));

        assertTrue(result(session.recycle()));

        assertEquals(MilterClientState.READY, session.state());
        startEnvelope();
        assertEquals(1, milter.connections());
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.DATA,
                        Command.BODYEOB, Command.QUIT_NC, Command.CONNECT, Command.HELO),
                codes(milter.received()));
    }

    // libmilter (engine.c) takes QUIT_NC only at end of message after CONTINUE, or after an unknown
    // command it did not accept; anywhere else it drops QUIT_NC and the next CONNECT silently.

    @Test
    void recyclingAfterEndOfMessageAnsweredAcceptQuitsBecauseLibmilterIsBackAtHelo() {
        openWith(ScriptedMilter.builder()
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(MilterReply.ACCEPT)));
        startMessage();
        assertSame(MilterVerdict.ACCEPT, result(session.endOfMessage(MilterMacros.EMPTY)).verdict());

        assertFalse(result(session.recycle()), "opendkim answers ACCEPT at end of message");

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
        assertTrue(milter.received(Command.QUIT_NC).isEmpty());
    }

    @Test
    void recyclingAfterASessionThatEndedAtHeloQuits() {
        openWith(ScriptedMilter.builder());
        startEnvelope();

        assertFalse(result(session.recycle()));

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
        assertTrue(milter.received(Command.QUIT_NC).isEmpty());
    }

    @Test
    void recyclingAfterAnAbortFollowingTheMessageQuits() {
        openWith(ScriptedMilter.builder());
        startMessage();
        result(session.endOfMessage(MilterMacros.EMPTY));
        result(session.abort());

        assertFalse(result(session.recycle()), "libmilter refuses ABORT after end of message and falls back to HELO");

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
    }

    @Test
    void recyclingAfterAMessageRejectedAtEndOfMessageQuits() {
        openWith(ScriptedMilter.builder()
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.ReplyCode("550 5.7.1 no"))));
        startMessage();
        result(session.endOfMessage(MilterMacros.EMPTY));

        assertFalse(result(session.recycle()));

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
    }

    @Test
    void recyclingAfterAnUnknownCommandTheFilterRejectedSendsQuitNc() {
        openWith(ScriptedMilter.builder()
                .on(Command.UNKNOWN, (command, connection) -> MilterScriptResponse.reply(MilterReply.REJECT)));
        startEnvelope();
        assertSame(MilterVerdict.REJECT, result(session.unknown(MilterMacros.EMPTY, "XFOO")));

        assertTrue(result(session.recycle()), "a rejected unknown command leaves libmilter where QUIT_NC is taken");

        // recycle() completes once QUIT_NC is written; the milter reads it a moment later
        eventually().until(() -> milter.received(Command.QUIT_NC).size() == 1);
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.UNKNOWN, Command.QUIT_NC),
                codes(milter.received()));
    }

    @Test
    void aKeptConnectionWhoseFilterIgnoresConnectGivesUpAfterHalfTheReadTimeoutWithoutAFailure() {
        List<String> events = new CopyOnWriteArrayList<>();
        // the filter takes the first CONNECT only, as libmilter does when it dropped QUIT_NC
        milter = startMilter(ScriptedMilter.builder().on(Command.CONNECT, (command, connection) ->
                milter.received(Command.CONNECT).size() == 1
                        ? MilterScriptResponse.reply(MilterReply.CONTINUE) : MilterScriptResponse.silent()));
        session = open(MilterClientSettings.builder("lm").readTimeout(Duration.ofMillis(400)).observer(
                new MilterClientObserver() {
                    @Override
                    public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
                        events.add("failure: " + message);
                    }

                    @Override
                    public void onKeptConnectionUnanswered() {
                        events.add("kept connection unanswered");
                    }
                }).build());
        startMessage();
        result(session.endOfMessage(MilterMacros.EMPTY));
        assertTrue(result(session.recycle()));
        assertTrue(session.reused());

        MilterVerdict verdict = result(session.connect(MilterMacros.EMPTY, "next", AddressFamily.INET, 2, "192.0.2.2"));

        MilterVerdict.DefaultActionApplied applied = assertDefaultAction(verdict, MilterFailure.Kind.TIMEOUT);
        assertEquals(MilterStage.CONNECT, applied.failure().stage());
        assertEquals("no reply to SMFIC_CONNECT within 200ms on a kept connection", applied.failure().message());
        assertEquals(List.of("kept connection unanswered"), events);
        assertEquals(MilterClientState.ERROR, session.state());
    }

    @Test
    void recyclingASessionThatNeverConnectedSendsNothing() {
        openWith(ScriptedMilter.builder());
        result(session.negotiation());

        assertTrue(result(session.recycle()));

        assertEquals(MilterClientState.READY, session.state());
        assertEquals(List.of(Command.OPTNEG), codes(milter.received()));
    }

    @Test
    void recyclingInsideAMessageQuitsInstead() {
        openWith(ScriptedMilter.builder());
        startMessage();

        assertFalse(result(session.recycle()), "a message is open");

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
        assertTrue(milter.received(Command.QUIT_NC).isEmpty());
        assertEquals(MilterClientState.CLOSED, session.state());
    }

    @Test
    void recyclingAfterTheMilterRejectedTheConnectionQuitsInstead() {
        openWith(ScriptedMilter.builder()
                .on(Command.CONNECT, (command, connection) -> MilterScriptResponse.reply(MilterReply.REJECT)));
        result(session.connect(MilterMacros.EMPTY, "client", AddressFamily.INET, 1, "192.0.2.1"));

        assertFalse(result(session.recycle()));

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
    }

    @Test
    void aVersion2FilterIsNeverRecycledBecauseItHasNoQuitNc() {
        openWith(ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(2, 0x7F, 0)));
        startEnvelope();

        assertFalse(result(session.recycle()));

        eventually().until(() -> milter.received(Command.QUIT).size() == 1);
        assertTrue(milter.received(Command.QUIT_NC).isEmpty());
    }

    @Test
    void aFilterThatHangsUpAfterQuitNcIsReportedAsRefusingReuseAndNotAsAFailure() {
        List<String> events = new CopyOnWriteArrayList<>();
        milter = startMilter(ScriptedMilter.builder()
                .on(Command.QUIT_NC, (command, connection) -> MilterScriptResponse.close()));
        session = open(MilterClientSettings.builder("mfd").observer(new MilterClientObserver() {
            @Override
            public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
                events.add("failure: " + message);
            }

            @Override
            public void onReuseRefused() {
                events.add("reuse refused");
            }
        }).build());
        startMessage();
        result(session.endOfMessage(MilterMacros.EMPTY));

        assertTrue(result(session.recycle()), "QUIT_NC was sent; the filter hangs up afterwards");

        eventually().until(() -> session.state() == MilterClientState.ERROR);
        assertEquals(List.of("reuse refused"), events);
    }

    @Test
    void anIdleConnectionTheMilterClosesIsNoFailure() {
        List<String> failures = new CopyOnWriteArrayList<>();
        milter = startMilter(ScriptedMilter.builder());
        session = open(MilterClientSettings.builder("mfd").observer(new MilterClientObserver() {
            @Override
            public void onFailure(MilterStage stage, MilterFailure.Kind kind, String message) {
                failures.add(message);
            }
        }).build());
        result(session.negotiation());

        milter.close();

        eventually().until(() -> session.state() == MilterClientState.ERROR);
        assertEquals(List.of(), failures);
        MilterVerdict verdict = result(session.connect(MilterMacros.EMPTY, "client", AddressFamily.INET, 1, "192.0.2.1"));
        assertEquals("closed the idle connection", assertDefaultAction(verdict, MilterFailure.Kind.CLOSED).failure().message());
    }

    @Test
    void reportsEveryAnswerToTheObserverWithItsLatency() {
        List<String> replies = new CopyOnWriteArrayList<>();
        milter = startMilter(ScriptedMilter.builder()
                .on(Command.RCPT, (command, connection) -> MilterScriptResponse.reply(MilterReply.DISCARD)));
        session = open(MilterClientSettings.builder("mfd").observer(new MilterClientObserver() {
            @Override
            public void onReply(MilterStage stage, MilterVerdict verdict, long latencyNanos) {
                assertTrue(latencyNanos > 0);
                replies.add(stage.tag() + "=" + verdict.type());
            }
        }).build());
        startEnvelope();
        result(session.rcpt(MilterMacros.EMPTY, "<x@y>", List.of()));

        assertEquals(List.of("negotiate=CONTINUE", "connect=CONTINUE", "helo=CONTINUE", "rcpt=DISCARD"), replies);
        assertEquals(MilterClientState.ACCEPT_MESSAGE, session.state());
    }

    @Test
    void tempfailsWhenAWriteCannotCompleteInTime() {
        openWith(ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, 0x1FF, ProtocolFlag.NR_BODY.bit()))
                .on(Command.BODY, (command, connection) -> MilterScriptResponse.stopReading()),
                MilterClientSettings.builder("stuck").writeTimeout(Duration.ofMillis(300)).build());
        startMessage();

        // far more than the socket buffers of both ends hold; the milter reads nothing after the first chunk
        ByteBuf huge = Unpooled.wrappedBuffer(new byte[64 << 20]);
        assertSame(MilterVerdict.CONTINUE, result(session.body(MilterMacros.EMPTY, huge)), "no reply: handed over");

        eventually().until(() -> session.state() == MilterClientState.ERROR);
        MilterVerdict verdict = result(session.endOfMessage(MilterMacros.EMPTY)).verdict();
        assertEquals("could not send SMFIC_BODY within 300ms",
                assertDefaultAction(verdict, MilterFailure.Kind.TIMEOUT).failure().message());
        eventually().until(() -> huge.refCnt() == 0);
    }

    @Test
    void aNoReplyCommandThatCannotBeWrittenFailsTheSession() {
        milter = startMilter(ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, 0x1FF, ProtocolFlag.NR_HDR.bit())));
        session = open(settings());
        startMessage();

        // longer than a packet may be: the encoder in the pipeline fails the write while it is handed over
        String tooLong = "x".repeat(MilterCodes.DEFAULT_MAX_FRAME_LENGTH);
        MilterVerdict header = result(session.header(MilterMacros.EMPTY, "Subject", tooLong));
        assertDefaultAction(header, MilterFailure.Kind.PROTOCOL);

        MilterVerdict verdict = result(session.endOfHeaders(MilterMacros.EMPTY));
        MilterFailure failure = assertDefaultAction(verdict, MilterFailure.Kind.PROTOCOL).failure();
        assertEquals(MilterStage.HEADER, failure.stage());
        assertTrue(failure.message().startsWith("cannot send SMFIC_HEADER: "), failure.message());
        assertEquals(MilterClientState.ERROR, session.state());
        assertFalse(milter.received().stream().anyMatch(c -> c.command() == Command.EOH));
    }

    @Test
    void aMilterAnsweringNothingBeforeEndOfMessageGetsEveryCommandInOrder() {
        int noReplies = ProtocolFlag.maskOf(ProtocolFlag.NR_CONN, ProtocolFlag.NR_HELO, ProtocolFlag.NR_MAIL,
                ProtocolFlag.NR_RCPT, ProtocolFlag.NR_DATA, ProtocolFlag.NR_HDR, ProtocolFlag.NR_EOH, ProtocolFlag.NR_BODY);
        milter = startMilter(ScriptedMilter.builder().negotiate(new MilterReply.OptionNegotiation(6, 0x1FF, noReplies)));
        session = open(settings());
        MilterMacros queueId = MilterMacros.of(MilterMacroNames.of("i"), "4AbC");
        startMessage();

        // each call once the one before it continued, on the session's event loop, as pmult makes them
        Promise<MilterEndOfMessage> eom = session.eventLoop().newPromise();
        session.eventLoop().execute(() -> session.header(queueId, "From", "<a@b>").addListener(from ->
                session.header(queueId, "To", "<c@d>").addListener(to ->
                        session.endOfHeaders(queueId).addListener(eoh ->
                                session.body(queueId, Unpooled.copiedBuffer("hi\r\n", StandardCharsets.US_ASCII))
                                        .addListener(body -> session.endOfMessage(queueId).addListener(end ->
                                                eom.setSuccess((MilterEndOfMessage) end.getNow())))))));

        assertSame(MilterVerdict.CONTINUE, result(eom).verdict());
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.DATA,
                Command.MACRO, Command.HEADER, Command.MACRO, Command.HEADER, Command.MACRO, Command.EOH,
                Command.MACRO, Command.BODY, Command.MACRO, Command.BODYEOB), codes(milter.received()));
        assertEquals("hi\r\n", ((MilterCommand.Body) milter.received(Command.BODY).get(0)).content()
                .toString(StandardCharsets.US_ASCII));
    }

    @Test
    void worksOverAUnixSocket(@TempDir Path dir) {
        SocketAddress socket = UnixDomainSocketAddress.of(dir.resolve("milter.sock"));
        milter = ScriptedMilter.builder()
                .on(Command.MAIL, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.ReplyCode("451 4.7.1 Try again later")))
                .start(new ServerBootstrap().group(group).channel(NioServerDomainSocketChannel.class), socket);
        session = MilterClientSession.open(new Bootstrap().group(group).channel(NioDomainSocketChannel.class), socket,
                settings());

        assertEquals(6, result(session.negotiation()).version());
        result(session.connect(MilterMacros.EMPTY, "localhost", AddressFamily.UNIX, 0, "/run/smtp.sock"));
        MilterVerdict verdict = result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of()));

        MilterVerdict.ReplyCode reply = assertInstanceOf(MilterVerdict.ReplyCode.class, verdict);
        assertEquals("451 4.7.1 Try again later", reply.text());
        assertTrue(reply.isTemporary());
        assertEquals("milter \"test\" (unix:" + dir.resolve("milter.sock") + ")", session.toString());
    }

    // ---------------------------------------------------------------- helpers

    private void startEnvelope() {
        assertSame(MilterVerdict.CONTINUE, result(session.connect(MilterMacros.EMPTY, "client", AddressFamily.INET, 1, "192.0.2.1")));
        assertSame(MilterVerdict.CONTINUE, result(session.helo(MilterMacros.EMPTY, "client")));
    }

    private void startMessage() {
        startEnvelope();
        assertSame(MilterVerdict.CONTINUE, result(session.mail(MilterMacros.EMPTY, "<a@b>", List.of())));
        assertSame(MilterVerdict.CONTINUE, result(session.rcpt(MilterMacros.EMPTY, "<c@d>", List.of())));
        assertSame(MilterVerdict.CONTINUE, result(session.data(MilterMacros.EMPTY)));
    }

    private MilterFailure negotiationFailure() {
        eventually().until(session.negotiation()::isDone);
        MilterClientException failure = assertInstanceOf(MilterClientException.class, session.negotiation().cause());
        return failure.failure();
    }

    private static MilterVerdict.DefaultActionApplied assertDefaultAction(MilterVerdict verdict, MilterFailure.Kind kind) {
        MilterVerdict.DefaultActionApplied applied = assertInstanceOf(MilterVerdict.DefaultActionApplied.class, verdict);
        assertTrue(verdict.isDefaultAction());
        assertEquals(kind, applied.failure().kind(), applied.failure().message());
        return applied;
    }

    /** Awaitility polling every few milliseconds: these conversations take milliseconds, not 100 ms polls. */
    private static org.awaitility.core.ConditionFactory eventually() {
        return await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(WAIT);
    }

    private static <T> T result(Future<T> future) {
        eventually().until(future::isDone);
        assertTrue(future.isSuccess(), () -> "failed: " + future.cause());
        return future.getNow();
    }

    private static List<Command> codes(List<MilterCommand> commands) {
        List<Command> codes = new ArrayList<>();
        for (MilterCommand command : commands) {
            codes.add(command.command());
        }
        return codes;
    }

    private static MilterClientSettings settings() {
        return MilterClientSettings.defaults("test");
    }

    private static ScriptedMilter startMilter(ScriptedMilter.Builder builder) {
        return builder.start(new ServerBootstrap().group(group).channel(NioServerSocketChannel.class),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Starts a milter playing {@code script} and opens {@link #session} to it with the default settings. */
    private void openWith(ScriptedMilter.Builder script) {
        openWith(script, settings());
    }

    private void openWith(ScriptedMilter.Builder script, MilterClientSettings settings) {
        milter = startMilter(script);
        session = open(settings);
    }

    private MilterClientSession open(MilterClientSettings settings) {
        return MilterClientSession.open(new Bootstrap().group(group).channel(NioSocketChannel.class),
                milter.localAddress(), settings);
    }
}
