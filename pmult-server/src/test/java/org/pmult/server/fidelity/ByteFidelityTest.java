package org.pmult.server.fidelity;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pmult.server.testing.ClosedAtEnd;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.client.PmilterClientSettings;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.PmultServer;
import org.pmult.server.config.ConfigLoader;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.transport.Transports;

import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bytes are bytes: what MeTA1 sends reaches the milter octet for octet, and a milter's header
 * values reach MeTA1 the same way, with the one space after the colon handled as Sendmail and
 * Postfix do. pmult runs in-process between a pmilter client and two scripted milters, one that
 * negotiates SMFIP_HDR_LEADSPC and one that does not.
 */
class ByteFidelityTest {

    /** A raw Latin-1 é, UTF-8 é, 0xFF and 0x80: not one valid UTF-8 string. */
    private static final byte[] EIGHT_BIT = {'c', 'a', 'f', (byte) 0xE9, ' ', (byte) 0xC3, (byte) 0xA9, ' ', (byte) 0xFF,
            (byte) 0x80};
    /** The same without spaces, for words: addresses and ESMTP arguments. */
    private static final byte[] EIGHT_BIT_WORD = {'j', 'o', 's', (byte) 0xE9, (byte) 0xC3, (byte) 0xA9, (byte) 0xFF, (byte) 0x80};

    @TempDir
    Path dir;

    private final EventLoopGroup group = Transports.NIO.newEventLoopGroup(1, new DefaultThreadFactory("test", true));
    private final ClosedAtEnd closing = new ClosedAtEnd();

    @AfterEach
    void tearDown() throws Exception {
        closing.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void eightBitEnvelopeMacrosAndHeadersReachTheMilterByteForByte() throws Exception {
        ScriptedMilter plain = milter("plain", 0, null);
        PmilterClientConnection meta1 = meta1(start(plain, null));
        String octets = octets(EIGHT_BIT);
        String word = octets(EIGHT_BIT_WORD);

        // MeTA1: CONNECT, EHLO, MAIL and RCPT with 8-bit arguments, an 8-bit SMTP AUTH name
        meta1.send(new PmilterRequest.Connect("S1", InetAddress.getByName("192.0.2.10"), 40001, "mx.example",
                PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Ehlo("S1", "helo-" + octets, PmilterCodes.HeloKind.EHLO, PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Mail("S1", "<" + word + "@b.example>", "X-ARG=" + word,
                PmilterMacros.of(Macro.AUTH_AUTHEN, octets))).join();
        meta1.send(new PmilterRequest.Rcpt("S1", "<r" + word + "@b.example>", 0, null, PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Data("S1", PmilterMacros.EMPTY)).join();
        // a Subject in raw Latin-1, as old clients and spam send it
        meta1.send(new PmilterRequest.Msg("S1", Unpooled.buffer()
                .writeBytes("Subject: ".getBytes(StandardCharsets.US_ASCII)).writeBytes(EIGHT_BIT)
                .writeBytes("\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)))).join();
        assertEquals(ReplyCode.CONTINUE, meta1.send(new PmilterRequest.Dot("S1", PmilterMacros.EMPTY)).join().code());

        // the milter got every byte as MeTA1 sent it
        MilterCommand.Helo helo = (MilterCommand.Helo) plain.received(Command.HELO).get(0);
        assertArrayEquals(concat("helo-", EIGHT_BIT, ""), bytes(helo.name()));
        MilterCommand.Mail mail = (MilterCommand.Mail) plain.received(Command.MAIL).get(0);
        assertArrayEquals(concat("<", EIGHT_BIT_WORD, "@b.example>"), bytes(mail.sender()));
        assertArrayEquals(concat("X-ARG=", EIGHT_BIT_WORD, ""), bytes(mail.esmtpArgs().get(0)));
        MilterCommand.Rcpt rcpt = (MilterCommand.Rcpt) plain.received(Command.RCPT).get(0);
        assertArrayEquals(concat("<r", EIGHT_BIT_WORD, "@b.example>"), bytes(rcpt.recipient()));
        MilterCommand.Macros mailMacros = macrosBefore(plain, Command.MAIL);
        assertArrayEquals(EIGHT_BIT, bytes(mailMacros.macros().toMap().get("{auth_authen}")));
        assertArrayEquals(concat("", EIGHT_BIT_WORD, "@b.example"), bytes(mailMacros.macros().toMap().get("{mail_addr}")));
        MilterCommand.Header subject = (MilterCommand.Header) plain.received(Command.HEADER).get(0);
        assertEquals("Subject", subject.name());
        assertArrayEquals(EIGHT_BIT, bytes(subject.value()), "the Subject's bytes without the space after the colon");
    }

    @Test
    void stripsOneSpaceButNoTabUnlessTheMilterNegotiatedLeadingSpace() throws Exception {
        ScriptedMilter plain = milter("plain", 0, new MilterReply.AddHeader("X-Plain", "\tp"));
        ScriptedMilter leadspc = milter("leadspc", ProtocolFlag.HDR_LEADSPC.bit(), new MilterReply.AddHeader("X-Lead", "l"));
        PmilterClientConnection meta1 = meta1(start(plain, leadspc));
        transaction(meta1, "A:none\r\nB: one\r\nC:\ttab\r\nD:  two\r\nE: \tmixed \r\nF:\r\nG: folded\r\n\tnext\r\n\r\nbody\r\n");

        assertEquals(List.of("A=none", "B=one", "C=\ttab", "D= two", "E=\tmixed ", "F=", "G=folded\n\tnext"),
                headers(plain), "Sendmail and Postfix eat exactly one space after the colon, never a tab");
        assertEquals(List.of("A=none", "B= one", "C=\ttab", "D=  two", "E= \tmixed ", "F=", "G= folded\n\tnext"),
                headers(leadspc), "with HDR_LEADSPC the value goes exactly as received");
        PmilterResponse.Reply dot = meta1.send(new PmilterRequest.Dot("S1", PmilterMacros.EMPTY)).join();
        assertEquals(List.of(new PmilterModification.AddHeader("X-Plain", " \tp"), new PmilterModification.AddHeader("X-Lead", "l")),
                dot.modifications(), "one space in front of a header value unless the milter negotiated HDR_LEADSPC");
    }

    @Test
    void anIpv6ClientIsWrittenInRfc5952FormAndAMappedOneAsIpv4() throws Exception {
        ScriptedMilter plain = listingMilter("plain", Map.of(
                MilterCodes.MacroStage.CONNECT, MilterMacroNames.of("{client_addr}", "{client_name}")));
        PmilterClientConnection meta1 = meta1(startListening(plain));
        meta1.send(new PmilterRequest.Connect("S1", InetAddress.getByName("2001:db8:0:0:0:0:0:25"), 40001, "",
                PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Connect("S2", java.net.Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 10}, -1), 40002, "",
                PmilterMacros.EMPTY)).join();

        MilterCommand.Connect v6 = (MilterCommand.Connect) plain.received(Command.CONNECT).get(0);
        assertEquals(new MilterCommand.Connect("[2001:db8::25]", MilterCodes.AddressFamily.INET6, 40001, "2001:db8::25"), v6);
        assertEquals("IPv6:2001:db8::25", macrosBefore(plain, Command.CONNECT).macros().toMap().get("{client_addr}"),
                "the address literal's IPv6: prefix, as Postfix and Sendmail send it");
        assertEquals("[2001:db8::25]", macrosBefore(plain, Command.CONNECT).macros().toMap().get("{client_name}"));
        MilterCommand.Connect mapped = (MilterCommand.Connect) plain.received(Command.CONNECT).get(1);
        assertEquals(new MilterCommand.Connect("[192.0.2.10]", MilterCodes.AddressFamily.INET, 40002, "192.0.2.10"), mapped);
    }

    @Test
    void macrosListedForEndOfHeadersAndEndOfMessageGoBeforeEveryHeaderAndBodyChunkAsPostfixSends() throws Exception {
        ScriptedMilter listing = listingMilter("listing", Map.of(
                MilterCodes.MacroStage.EOH, MilterMacroNames.of("i"),
                MilterCodes.MacroStage.EOM, MilterMacroNames.of("i")));
        PmilterClientConnection meta1 = meta1(startListening(listing));
        transaction(meta1, "A: 1\r\nB: 2\r\n\r\nbody\r\n");
        meta1.send(new PmilterRequest.Dot("S1", PmilterMacros.EMPTY)).join();

        List<String> stream = new ArrayList<>();
        for (MilterCommand command : listing.received()) {
            if (command instanceof MilterCommand.Macros macros) {
                stream.add("D" + (char) macros.stage().code() + " " + macros.macros().toMap());
            } else if (command.command() == Command.HEADER || command.command() == Command.EOH
                    || command.command() == Command.BODY || command.command() == Command.BODYEOB) {
                stream.add(command.command().libmilterName());
            }
        }
        assertEquals(List.of("DL {i=S1}", "SMFIC_HEADER", "DL {i=S1}", "SMFIC_HEADER", "DN {i=S1}", "SMFIC_EOH",
                "DB {i=S1}", "SMFIC_BODY", "DE {i=S1}", "SMFIC_BODYEOB"), stream);
    }

    // --- helpers -------------------------------------------------------------------------------

    private static void transaction(PmilterClientConnection meta1, String message) throws Exception {
        meta1.send(new PmilterRequest.Connect("S1", InetAddress.getByName("192.0.2.10"), 40001, "mx.example",
                PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Mail("S1", "<a@b.example>", null, PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Rcpt("S1", "<r@b.example>", 0, null, PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Data("S1", PmilterMacros.EMPTY)).join();
        meta1.send(new PmilterRequest.Msg("S1", Unpooled.copiedBuffer(message, StandardCharsets.ISO_8859_1))).join();
    }

    private static List<String> headers(ScriptedMilter milter) {
        return milter.received(Command.HEADER).stream()
                .map(c -> ((MilterCommand.Header) c).name() + "=" + ((MilterCommand.Header) c).value()).toList();
    }

    private static MilterCommand.Macros macrosBefore(ScriptedMilter milter, Command stage) {
        return milter.received(Command.MACRO).stream().map(c -> (MilterCommand.Macros) c)
                .filter(m -> m.stage() == stage).findFirst().orElseThrow();
    }

    /** A milter that sends SETSYMLIST {@code lists}. */
    private ScriptedMilter listingMilter(String name, Map<MilterCodes.MacroStage, MilterMacroNames> lists) {
        Path socket = dir.resolve(name + ".sock");
        ScriptedMilter milter = ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, 0, lists))
                .start(Transports.NIO.serverBootstrap(group, group, UnixDomainSocketAddress.of(socket)),
                        UnixDomainSocketAddress.of(socket));
        closing.add(milter);
        return milter;
    }

    /** pmult in front of {@code milter} once it has negotiated, so that its macro lists are in the plan. */
    private PmultServer startListening(ScriptedMilter milter) throws Exception {
        PmultServer server = start(milter, null);
        await().atMost(Duration.ofSeconds(5)).until(() -> milter.received(Command.OPTNEG).size() >= 1);
        return server;
    }

    private ScriptedMilter milter(String name, int protocol, MilterReply.Modification atEom) {
        Path socket = dir.resolve(name + ".sock");
        ScriptedMilter.Builder builder = ScriptedMilter.builder()
                .negotiate(new MilterReply.OptionNegotiation(6, MilterCodes.V6_ACTIONS, protocol));
        if (atEom != null) {
            builder.on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(atEom, MilterReply.CONTINUE));
        }
        ScriptedMilter milter = builder.start(Transports.NIO.serverBootstrap(group, group, UnixDomainSocketAddress.of(socket)),
                UnixDomainSocketAddress.of(socket));
        closing.add(milter);
        return milter;
    }

    private PmultServer start(ScriptedMilter first, ScriptedMilter second) throws Exception {
        String text = "listen unix://" + dir.resolve("pmult.sock") + ";\n"
                + "define-macros envfrom (auth_authen);\n"
                + "client first { url unix://" + first.localAddress() + "; read-timeout 5 seconds; }\n"
                + (second == null ? "" : "client second { url unix://" + second.localAddress() + "; read-timeout 5 seconds; }\n");
        Path file = Files.writeString(dir.resolve("pmult.conf"), text);
        PmultServer server = PmultServer.start(ConfigLoader.read(file).config(), new PmultMetrics(new SimpleMeterRegistry()));
        closing.add(() -> server.shutdown(Duration.ZERO));
        return server;
    }

    private PmilterClientConnection meta1(PmultServer server) throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(server.boundAddresses().get(0).toString());
        PmilterClientConnection connection = PmilterClientConnection.connect(
                Transports.NIO.clientBootstrap(group, address), address, PmilterClientSettings.DEFAULTS).get(5, TimeUnit.SECONDS);
        closing.add(connection);
        connection.negotiate(PmilterCodes.ALL_MASK, 0).get(5, TimeUnit.SECONDS);
        return connection;
    }

    /** The octet string of {@code bytes}, one char per byte, as the pmilter codec hands strings over. */
    private static String octets(byte[] bytes) {
        return new String(bytes, PmilterCodes.STRING_CHARSET);
    }

    private static byte[] bytes(String octets) {
        return octets.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(String before, byte[] middle, String after) {
        byte[] b = before.getBytes(StandardCharsets.US_ASCII);
        byte[] a = after.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[b.length + middle.length + a.length];
        System.arraycopy(b, 0, out, 0, b.length);
        System.arraycopy(middle, 0, out, b.length, middle.length);
        System.arraycopy(a, 0, out, b.length + middle.length, a.length);
        return out;
    }
}
