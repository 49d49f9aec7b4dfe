package org.pmult.it;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterClientSettings;
import org.pmult.milter.client.MilterClientState;
import org.pmult.milter.client.MilterEndOfMessage;
import org.pmult.milter.client.MilterStage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.client.NegotiatedOptions;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.milter.codec.MilterReply;
import org.pmult.server.transport.Transports;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pmult's Milter client against the real GNU mailfromd running {@code mfl/pmult-it.mfl}, over a
 * loopback TCP port and over a unix socket, through the transport pmult itself uses (epoll where
 * available). Verdicts and reply texts come from the filter; the mailfromd log shows which macro
 * values reached which handler.
 */
class MilterClientMailfromdIT {

    private static final String FILTER = "/mfl/pmult-it.mfl";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What pmult-it.mfl asks for (its #pragma miltermacros lines), as SETSYMLIST must carry it. */
    private static final Map<MacroStage, MilterMacroNames> FILTER_MACROS = new EnumMap<>(Map.of(
            MacroStage.CONNECT, MilterMacroNames.of("{client_addr}", "{client_port}", "j"),
            MacroStage.HELO, MilterMacroNames.of("s"),
            MacroStage.ENVFROM, MilterMacroNames.of("i", "{mail_addr}", "{auth_authen}"),
            MacroStage.ENVRCPT, MilterMacroNames.of("{rcpt_addr}"),
            MacroStage.DATA, MilterMacroNames.of("i"),
            MacroStage.EOM, MilterMacroNames.of("i", "{mail_addr}")));

    private static Transports transports;
    private static EventLoopGroup group;
    private static final Map<Transport, MailfromdPeer> PEERS = new EnumMap<>(Transport.class);

    @BeforeAll
    static void startPeers() {
        MailfromdPeer.requireInstalled();
        transports = Transports.best();
        group = transports.newEventLoopGroup(1, new DefaultThreadFactory("mailfromd-it"));
        for (Transport transport : Transport.values()) {
            PEERS.put(transport, MailfromdPeer.start(transport, FILTER));
        }
    }

    @AfterAll
    static void stopPeers() {
        for (MailfromdPeer peer : PEERS.values()) {
            peer.close();
        }
        PEERS.clear();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void negotiatesVersion6AndExposesTheMacrosMailfromdAskedFor(Transport transport) {
        MailfromdPeer peer = PEERS.get(transport);
        MilterClientSession session = open(peer, MilterClientSettings.defaults("mfd-" + transport));
        try {
            NegotiatedOptions options = result(session.negotiation());

            assertEquals(6, options.version());
            assertEquals(MilterCodes.V6_ACTIONS, options.actions(), "mailfromd takes every action offered");
            for (ActionFlag action : ActionFlag.values()) {
                assertTrue(options.allows(action), action.libmilterName());
            }
            // pmult-it.mfl has data/header/eoh/body handlers, so only UNKNOWN is switched off; no NR_*.
            assertEquals(ProtocolFlag.maskOf(ProtocolFlag.NOUNKNOWN, ProtocolFlag.SKIP), options.protocol());
            assertTrue(options.sends(MilterStage.DATA) && options.sends(MilterStage.EOH) && options.sends(MilterStage.BODY));
            assertFalse(options.sends(MilterStage.UNKNOWN));
            assertTrue(options.awaitsReply(MilterStage.HEADER));
            assertEquals(FILTER_MACROS, options.requestedMacros());
            Map<MacroStage, List<String>> dumped = peer.dumpMacros();
            assertEquals(dumped.keySet(), options.requestedMacros().keySet(), "stages in mailfromd --dump-macros");
            dumped.forEach((stage, names) ->
                    assertEquals(names, options.requestedMacros(stage).orElseThrow().names(), stage.libmilterName()));
        } finally {
            result(session.close());
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void passesAMessageSendingTheRequestedMacrosAndGetsTheAddedHeaders(Transport transport) {
        MailfromdPeer peer = PEERS.get(transport);
        MilterClientSession session = open(peer, MilterClientSettings.defaults("mfd-" + transport));
        String queueId = "PASS" + transport;
        Map<String, String> known = knownMacros(transport, queueId);
        try {
            NegotiatedOptions options = result(session.negotiation());

            // pmult sends CONNECT with the macros mailfromd asked for; mailfromd continues
            assertSame(MilterVerdict.CONTINUE, result(session.connect(macros(options, MacroStage.CONNECT, known),
                    "client.it.example", AddressFamily.INET, 40123, known.get("client_addr"))));
            assertSame(MilterVerdict.CONTINUE, result(session.helo(macros(options, MacroStage.HELO, known),
                    "client.it.example")));
            assertSame(MilterVerdict.CONTINUE, result(session.mail(macros(options, MacroStage.ENVFROM, known),
                    "<alice@it.example>", List.of("SIZE=100000"))));
            assertSame(MilterVerdict.CONTINUE, result(session.rcpt(macros(options, MacroStage.ENVRCPT, known),
                    "<bob@it.example>", List.of())));
            // pmult sends RCPT blocked@it.example; mailfromd rejects this recipient with its own text
            MilterVerdict blocked = result(session.rcpt(macros(options, MacroStage.ENVRCPT,
                    Map.of("rcpt_addr", "blocked@it.example")), "<blocked@it.example>", List.of()));
            assertEquals(new MilterVerdict.ReplyCode("550 5.1.1 Recipient blocked@it.example rejected by pmult-it"),
                    blocked);
            assertSame(MilterVerdict.CONTINUE, result(session.data(macros(options, MacroStage.DATA, known))));
            assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "From", "<alice@it.example>")));
            assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "Subject", "pmult IT " + transport)));
            assertSame(MilterVerdict.CONTINUE, result(session.endOfHeaders(MilterMacros.EMPTY)));
            // 100000 bytes: two chunks of 65535 bytes or fewer, each answered
            assertSame(MilterVerdict.CONTINUE, result(session.body(MilterMacros.EMPTY,
                    Unpooled.wrappedBuffer(bodyOf(100_000)))));
            MilterEndOfMessage eom = result(session.endOfMessage(macros(options, MacroStage.EOM, known)));

            // mailfromd answers end of message with two added headers (values with the MTA's leading
            // space: mailfromd does not negotiate HDR_LEADSPC), then continue
            assertSame(MilterVerdict.CONTINUE, eom.verdict());
            assertEquals(List.of(
                    new MilterReply.AddHeader("X-Pmult-IT", " passed"),
                    new MilterReply.AddHeader("X-Pmult-IT-Seen", " body=100000 headers=2 i=" + queueId)),
                    eom.modifications());
            assertEquals(MilterClientState.ENVELOPE, session.state());
        } finally {
            result(session.close());
        }

        // the macro values pmult sent arrived in the handlers that asked for them
        awaitEchoed(peer,
                "connect host=client.it.example port=40123 addr=" + known.get("client_addr"),
                "connect client_addr=" + known.get("client_addr"),
                "connect client_port=40123",
                "connect j=mx.pmult.test",
                "helo s=client.it.example",
                "envfrom sender=<alice@it.example> args=SIZE=100000",
                "envfrom i=" + queueId,
                "envfrom mail_addr=alice@it.example",
                "envrcpt rcpt_addr=bob@it.example",
                "envrcpt rcpt_addr=blocked@it.example",
                "data i=" + queueId,
                "header Subject: pmult IT " + transport,
                "eoh headers=2",
                "eom i=" + queueId,
                "eom mail_addr=alice@it.example");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void rejectsTempfailsAndAcceptsSendersWithTheFiltersTexts(Transport transport) {
        MailfromdPeer peer = PEERS.get(transport);
        MilterClientSession session = open(peer, MilterClientSettings.defaults("mfd-" + transport));
        Map<String, String> known = knownMacros(transport, "VERDICTS" + transport);
        try {
            NegotiatedOptions options = result(session.negotiation());
            result(session.connect(macros(options, MacroStage.CONNECT, known), "client.it.example",
                    AddressFamily.INET, 40123, known.get("client_addr")));
            result(session.helo(MilterMacros.EMPTY, "client.it.example"));

            // MAIL FROM reject@it.example: 550 with the filter's text
            MilterVerdict rejected = result(session.mail(MilterMacros.EMPTY, "<reject@it.example>", List.of()));
            MilterVerdict.ReplyCode reject = assertInstanceOf(MilterVerdict.ReplyCode.class, rejected);
            assertEquals("550 5.7.1 Sender reject@it.example refused by pmult-it", reject.text());
            assertEquals(550, reject.code());
            assertFalse(reject.isTemporary());

            // MAIL FROM tempfail@it.example: 451 with the filter's text
            MilterVerdict tempfailed = result(session.mail(MilterMacros.EMPTY, "<tempfail@it.example>", List.of()));
            MilterVerdict.ReplyCode tempfail = assertInstanceOf(MilterVerdict.ReplyCode.class, tempfailed);
            assertEquals("451 4.7.1 Sender tempfail@it.example: try again later (pmult-it)", tempfail.text());
            assertTrue(tempfail.isTemporary());

            // MAIL FROM trusted@it.example: accepted, so the rest of that message is not sent
            assertSame(MilterVerdict.ACCEPT, result(session.mail(MilterMacros.EMPTY, "<trusted@it.example>", List.of())));
            assertSame(MilterVerdict.CONTINUE, result(session.rcpt(MilterMacros.EMPTY, "<never-sent@it.example>", List.of())));
            MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));
            assertSame(MilterVerdict.CONTINUE, eom.verdict());
            assertEquals(List.of(), eom.modifications());

            // the connection is still usable for the next message
            assertSame(MilterVerdict.CONTINUE, result(session.mail(MilterMacros.EMPTY, "<carol@it.example>", List.of())));
        } finally {
            result(session.close());
        }
        awaitEchoed(peer, "envfrom sender=<reject@it.example> args=", "envfrom sender=<tempfail@it.example> args=",
                "envfrom sender=<trusted@it.example> args=", "envfrom sender=<carol@it.example> args=");
        assertFalse(peer.echoLines().contains("envrcpt rcpt=<never-sent@it.example>"),
                "after ACCEPT no RCPT of that message may reach mailfromd");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void speaksVersion2WhenOfferedOnlyVersion2(Transport transport) {
        MailfromdPeer peer = PEERS.get(transport);
        MilterClientSession session = open(peer, MilterClientSettings.builder("mfd-v2-" + transport)
                .offeredVersion(2).offeredActions(MilterCodes.V2_FALLBACK_ACTIONS)
                .offeredProtocol(MilterCodes.V2_PROTOCOL).build());
        String clientAddress = "192.0.2." + (transport == Transport.INET ? 21 : 22);
        try {
            NegotiatedOptions options = result(session.negotiation());
            assertEquals(2, options.version());
            assertEquals(MilterCodes.V2_FALLBACK_ACTIONS, options.actions());
            assertEquals(Map.of(), options.requestedMacros(), "version 2 has no SETSYMLIST");
            assertFalse(options.sends(MilterStage.DATA), "DATA is a v4 event");

            // without macro lists pmult sends its configured defaults
            MilterMacros connectMacros = MilterMacros.of(MilterMacroNames.of("{client_addr}", "j"), clientAddress, "mx.v2.test");
            assertSame(MilterVerdict.CONTINUE, result(session.connect(connectMacros, "v2.it.example",
                    AddressFamily.INET, 2525, clientAddress)));
            assertSame(MilterVerdict.CONTINUE, result(session.helo(MilterMacros.EMPTY, "v2.it.example")));
            MilterVerdict rejected = result(session.mail(MilterMacros.EMPTY, "<reject@it.example>", List.of()));
            assertEquals(new MilterVerdict.ReplyCode("550 5.7.1 Sender reject@it.example refused by pmult-it"), rejected);
            MilterMacros mailMacros = MilterMacros.of(MilterMacroNames.of("i", "{mail_addr}"), "V2" + transport, "dave@it.example");
            assertSame(MilterVerdict.CONTINUE, result(session.mail(mailMacros, "<dave@it.example>", List.of())));
            assertSame(MilterVerdict.CONTINUE, result(session.rcpt(MilterMacros.EMPTY, "<erin@it.example>", List.of())));
            assertSame(MilterVerdict.CONTINUE, result(session.data(MilterMacros.EMPTY)));
            assertSame(MilterVerdict.CONTINUE, result(session.header(MilterMacros.EMPTY, "Subject", "v2")));
            assertSame(MilterVerdict.CONTINUE, result(session.endOfHeaders(MilterMacros.EMPTY)));
            assertSame(MilterVerdict.CONTINUE, result(session.body(MilterMacros.EMPTY, Unpooled.wrappedBuffer(bodyOf(10)))));
            MilterEndOfMessage eom = result(session.endOfMessage(MilterMacros.EMPTY));
            assertSame(MilterVerdict.CONTINUE, eom.verdict());
            assertEquals(List.of(new MilterReply.AddHeader("X-Pmult-IT", " passed"),
                    new MilterReply.AddHeader("X-Pmult-IT-Seen", " body=10 headers=1 i=V2" + transport)), eom.modifications());
        } finally {
            result(session.close());
        }
        awaitEchoed(peer, "connect client_addr=" + clientAddress, "connect j=mx.v2.test",
                "envfrom i=V2" + transport, "envfrom mail_addr=dave@it.example");
    }

    @Test
    void retriesWithVersion2WhenMailfromdClosesAfterTheOffer() {
        // no-body-handlers.mfl has no body/eoh handlers: mailfromd insists that the MTA allow NOBODY|NOEOH
        // and closes the connection when the offer does not; the session then offers v2 with 0x7f/0x7f.
        try (MailfromdPeer peer = MailfromdPeer.start(Transport.INET, "/mfl/no-body-handlers.mfl")) {
            MilterClientSession session = open(peer, MilterClientSettings.builder("mfd-fallback")
                    .offeredProtocol(ProtocolFlag.maskOf(ProtocolFlag.NR_HDR, ProtocolFlag.SKIP)).build());
            try {
                NegotiatedOptions options = result(session.negotiation());
                assertEquals(2, options.version());
                assertTrue(options.has(ProtocolFlag.NOBODY) && options.has(ProtocolFlag.NOEOH), options.toString());
                assertSame(MilterVerdict.CONTINUE, result(session.connect(MilterMacros.EMPTY, "fallback.it.example",
                        AddressFamily.INET, 1, "192.0.2.30")));
                assertSame(MilterVerdict.CONTINUE, result(session.helo(MilterMacros.EMPTY, "fallback.it.example")));
                MilterVerdict verdict = result(session.mail(MilterMacros.EMPTY, "<tempfail@example.com>", List.of()));
                assertEquals(new MilterVerdict.ReplyCode(
                        "451 4.7.1 Sender tempfail@example.com: try again later (no-body-handlers)"), verdict);
            } finally {
                result(session.close());
            }
            assertTrue(peer.log().contains("do not match protocol requirements"), peer::log);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static MilterClientSession open(MailfromdPeer peer, MilterClientSettings settings) {
        return MilterClientSession.open(transports.clientBootstrap(group, peer.address()),
                transports.nettyAddress(peer.address()), settings);
    }

    /** Values pmult would know for each macro, by bare name; auth_authen stays unknown (not authenticated). */
    private static Map<String, String> knownMacros(Transport transport, String queueId) {
        Map<String, String> known = new HashMap<>();
        known.put("client_addr", transport == Transport.INET ? "192.0.2.11" : "192.0.2.12");
        known.put("client_port", "40123");
        known.put("j", "mx.pmult.test");
        known.put("s", "client.it.example");
        known.put("i", queueId);
        known.put("mail_addr", "alice@it.example");
        known.put("rcpt_addr", "bob@it.example");
        return known;
    }

    /** What pmult does: the names mailfromd asked for at this stage, each with the value known for it (or none). */
    private static MilterMacros macros(NegotiatedOptions options, MacroStage stage, Map<String, String> known) {
        MilterMacroNames names = options.requestedMacros(stage).orElse(MilterMacroNames.EMPTY);
        String[] values = new String[names.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = known.get(MilterMacroNames.bareName(names.name(i)));
        }
        return MilterMacros.of(names, values);
    }

    private static byte[] bodyOf(int size) {
        byte[] line = "The quick brown fox jumps over the lazy dog 0123456789\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = line[i % line.length];
        }
        return body;
    }

    private static void awaitEchoed(MailfromdPeer peer, String... lines) {
        for (String line : lines) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .alias("mailfromd log line \"PMULT-IT " + line + "\" (" + peer + ")")
                    .until(() -> peer.echoLines().contains("PMULT-IT " + line));
        }
    }

    private static <T> T result(Future<T> future) {
        await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).until(future::isDone);
        assertTrue(future.isSuccess(), () -> "failed: " + future.cause());
        return future.getNow();
    }
}
