package org.pmult.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pmult.it.MailfromdPeer.Transport;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.testing.MilterScriptResponse;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.session.PmultVersion;
import org.pmult.server.transport.Transports;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pmult end to end: MeTA1's side (a pmilter client) drives pmult, configured in GNU pmult.conf syntax
 * with two clients in this order — the real GNU mailfromd running {@code mfl/pmult-e2e.mfl}, and an
 * in-process scripted test milter. Each test reads as the conversation: what MeTA1 sends, what it gets
 * back; then what each milter saw (mailfromd's log, the test milter's record). pmult listens on a TCP
 * port or a unix socket, and reaches mailfromd over the other kind.
 */
class PmultMailfromdIT {

    private static final String FILTER = "/mfl/pmult-e2e.mfl";
    private static final String SENDER = "<alice@e2e.example>";
    private static final String MESSAGE = """
            From: Alice <alice@e2e.example>
            To: Bob <bob@e2e.example>
            Subject: pmult end to end
            Message-ID: <e2e-1@e2e.example>

            Hello Bob,
            this went through pmult.
            """;

    /** What MeTA1 knows and sends when pmult asks for it. */
    private static final Map<Macro, String> META1_MACROS = Map.of(
            Macro.HOSTNAME, "meta1.e2e.example",
            Macro.AUTH_TYPE, "PLAIN",
            Macro.AUTH_AUTHEN, "alice",
            Macro.MSGID, "<e2e-1@e2e.example>");

    /** The test milter's SETSYMLIST: pmult's own macros and two MeTA1 ones that mailfromd does not ask for. */
    private static final Map<MacroStage, MilterMacroNames> TESTER_MACROS = Map.of(
            MacroStage.CONNECT, MilterMacroNames.of("i", "{client_name}", "{multiplexer}", "{mult_version}"),
            MacroStage.HELO, MilterMacroNames.of("s"),
            MacroStage.ENVFROM, MilterMacroNames.of("{mail_host}", "{auth_type}", "{ntries}"),
            MacroStage.ENVRCPT, MilterMacroNames.of("{rcpt_host}", "{nrcpts}", "{nbadrcpts}"),
            MacroStage.EOM, MilterMacroNames.of("i", "{msg_id}"));

    private static final Map<Transport, MailfromdPeer> MAILFROMD = new EnumMap<>(Transport.class);
    private static EventLoopGroup testerLoops;
    private static Transports transport;

    @TempDir
    Path dir;
    private ScriptedMilter tester;
    private PmultHarness pmult;

    @BeforeAll
    static void startMailfromd() {
        MailfromdPeer.requireInstalled();
        transport = Transports.best();
        testerLoops = transport.newEventLoopGroup(1, new DefaultThreadFactory("it-tester", true));
        for (Transport kind : Transport.values()) {
            MAILFROMD.put(kind, MailfromdPeer.start(kind, FILTER));
        }
    }

    @AfterAll
    static void stopMailfromd() {
        MAILFROMD.values().forEach(MailfromdPeer::close);
        MAILFROMD.clear();
        if (testerLoops != null) {
            testerLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @AfterEach
    void stopPmult() {
        try {
            if (pmult != null) {
                pmult.close();
            }
        } finally {
            if (tester != null) {
                tester.close();
            }
        }
    }

    @ParameterizedTest(name = "pmult listens on {0}")
    @EnumSource(Transport.class)
    void passesAMessageThroughBothMiltersAndCarriesTheirHeadersBack(Transport listen) {
        Meta1Client meta1 = start(listen, testerAnswering(Map.of(), Map.of()), false);
        MailfromdPeer mfd = mailfromdFor(listen);
        String seid = "PASS" + listen;

        // pmult asked MeTA1 for exactly the MeTA1 macros behind what the two milters listed
        assertEquals(Map.of(
                        PmilterCodes.Stage.CONNECT, Set.of(Macro.HOSTNAME),      // mailfromd's j
                        PmilterCodes.Stage.MAIL, Set.of(Macro.AUTH_AUTHEN,       // mailfromd's {auth_authen}
                                Macro.AUTH_TYPE),                                // the test milter's {auth_type}
                        PmilterCodes.Stage.DOT, Set.of(Macro.MSGID)),            // the test milter's {msg_id}
                requested(meta1.negotiation()));

        Meta1Client.Session smtp = meta1.session(seid);
        assertContinue(smtp.connect("192.0.2.10", 40001, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        assertContinue(smtp.mail(SENDER));
        assertContinue(smtp.rcpt("<bob@e2e.example>"));
        // mailfromd refuses this recipient only; the transaction goes on
        assertReply(ReplyCode.REJECT, "550 5.1.1 Recipient blocked@e2e.example rejected by pmult-e2e",
                smtp.rcpt("<blocked@e2e.example>"));
        assertContinue(smtp.rcpt("<carol@e2e.example>"));
        assertContinue(smtp.data());
        assertContinue(smtp.message(MESSAGE));
        PmilterResponse.Reply end = smtp.dot();
        // both continue: mailfromd's headers, then the test milter's, as MOD groups in client order; each
        // value with the one space after the colon, as neither milter negotiated HDR_LEADSPC
        assertEquals(ReplyCode.CONTINUE, end.code());
        assertNull(end.text());
        assertEquals(List.of(
                new PmilterModification.AddHeader("X-E2E-Passed", " yes"),
                new PmilterModification.AddHeader("X-E2E-Macros",
                        " i=<" + seid + "> client_addr=<192.0.2.10> mail_addr=<alice@e2e.example>"),
                new PmilterModification.AddHeader("X-Test-Milter", " seen")), end.modifications());
        smtp.close();
        pmult.awaitNoLiveSessions();

        // mailfromd got pmult's and MeTA1's values under the names it asked for (j from MeTA1's HOSTNAME)
        assertMailfromdSaw(mfd, seid, seen -> assertEquals(List.of(
                "connect host=client.e2e.example port=40001 addr=192.0.2.10",
                "connect client_addr=192.0.2.10",
                "connect client_port=40001",
                "connect j=meta1.e2e.example",
                "helo arg=client.e2e.example",
                "helo s=client.e2e.example",
                "envfrom sender=<alice@e2e.example>",
                "envfrom mail_addr=alice@e2e.example",
                "envfrom auth_authen=alice",
                "envrcpt rcpt=<bob@e2e.example>",
                "envrcpt rcpt_addr=bob@e2e.example",
                "envrcpt rcpt=<blocked@e2e.example>",
                "envrcpt rcpt_addr=blocked@e2e.example",
                "envrcpt rcpt=<carol@e2e.example>",
                "envrcpt rcpt_addr=carol@e2e.example",
                "data",
                "eom subject=pmult end to end",
                "eom mail_addr=alice@e2e.example",
                "eom client_addr=192.0.2.10"), seen));

        // the test milter got exactly the macros it listed, nothing mailfromd asked for; the recipient
        // mailfromd refused never reached it (milters are asked in series)
        assertEquals(List.of(
                macros(Command.CONNECT, "i", seid, "{client_name}", "client.e2e.example",
                        "{multiplexer}", "pmult", "{mult_version}", PmultVersion.VERSION),
                macros(Command.HELO, "s", "client.e2e.example"),
                macros(Command.MAIL, "{mail_host}", "e2e.example", "{auth_type}", "PLAIN", "{ntries}", "1"),
                macros(Command.RCPT, "{rcpt_host}", "e2e.example", "{nrcpts}", "0", "{nbadrcpts}", "0"),
                macros(Command.RCPT, "{rcpt_host}", "e2e.example", "{nrcpts}", "1", "{nbadrcpts}", "1"),
                // the end-of-message macros also before the body chunk, as Postfix sends them ({msg_id} comes at DOT)
                macros(Command.BODY, "i", seid),
                macros(Command.BODYEOB, "i", seid, "{msg_id}", "<e2e-1@e2e.example>")), testerMacros(seid));
        // the session ends with QUIT_NC: pmult reuses Milter connections by default, and the test milter
        // takes QUIT_NC after end of message answered CONTINUE (mailfromd hangs up on it, and gets no more)
        assertEquals(List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.RCPT, Command.RCPT,
                        Command.DATA, Command.HEADER, Command.HEADER, Command.HEADER, Command.HEADER,
                        Command.EOH, Command.BODY, Command.BODYEOB, Command.QUIT_NC),
                commands(testerSaw(seid)));
    }

    @Test
    void rejectsAConnectionWithMailfromdsText() {
        Meta1Client meta1 = start(Transport.INET, testerAnswering(Map.of(), Map.of()), false);

        Meta1Client.Session smtp = meta1.session("CONNREJ");
        assertReply(ReplyCode.REJECT, "550 5.7.1 Client 192.0.2.66 refused by pmult-e2e",
                smtp.connect("192.0.2.66", 40002, "bad.e2e.example"));
        smtp.close();
        pmult.awaitNoLiveSessions();
    }

    @Test
    void rejectsHeloWithMailfromdsTextAndTheTestMilterNeverSeesThatHelo() {
        Meta1Client meta1 = start(Transport.UNIX, testerAnswering(Map.of(), Map.of()), false);

        Meta1Client.Session smtp = meta1.session("HELOREJ");
        assertContinue(smtp.connect("192.0.2.11", 40003, "client.e2e.example"));
        assertReply(ReplyCode.REJECT, "550 5.7.1 HELO reject.helo.e2e refused by pmult-e2e",
                smtp.helo("reject.helo.e2e"));
        smtp.close();
        pmult.awaitNoLiveSessions();
        assertFalse(commands(testerSaw("HELOREJ")).contains(Command.HELO),
                "a HELO the first milter refused must not reach the second");
    }

    @Test
    void carriesMailfromdsMailRejectAndTempfailTextsBackExactly() {
        Meta1Client meta1 = start(Transport.UNIX, testerAnswering(Map.of(), Map.of()), false);

        Meta1Client.Session smtp = meta1.session("MAILREJ");
        assertContinue(smtp.connect("192.0.2.12", 40004, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        assertReply(ReplyCode.REJECT, "550 5.7.1 Sender reject@e2e.example refused by pmult-e2e",
                smtp.mail("<reject@e2e.example>"));
        assertReply(ReplyCode.TEMPFAIL, "451 4.7.1 Sender tempfail@e2e.example: try again later (pmult-e2e)",
                smtp.mail("<tempfail@e2e.example>"));
        // a refused MAIL does not spoil the session: the next sender goes through
        assertContinue(smtp.mail(SENDER));
        assertReply(ReplyCode.TEMPFAIL, "451 4.7.1 Recipient greylist@e2e.example greylisted by pmult-e2e",
                smtp.rcpt("<greylist@e2e.example>"));
        assertContinue(smtp.rcpt("<bob@e2e.example>"));
        assertContinue(smtp.abort());
        smtp.close();
        pmult.awaitNoLiveSessions();

        assertMailfromdSaw(mailfromdFor(Transport.UNIX), "MAILREJ", seen -> assertEquals(List.of(
                        "envfrom sender=<reject@e2e.example>", "envfrom sender=<tempfail@e2e.example>",
                        "envfrom sender=<alice@e2e.example>"),
                seen.stream().filter(line -> line.startsWith("envfrom sender=")).toList()));
    }

    @Test
    void rejectsAtEndOfMessageWithoutAnyModification() {
        Meta1Client meta1 = start(Transport.INET, testerAnswering(Map.of(), Map.of()), false);

        Meta1Client.Session smtp = meta1.session("EOMREJ");
        assertContinue(smtp.connect("192.0.2.13", 40005, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        assertContinue(smtp.mail(SENDER));
        assertContinue(smtp.rcpt("<bob@e2e.example>"));
        assertContinue(smtp.data());
        assertContinue(smtp.message(MESSAGE.replace("Subject: pmult end to end", "Subject: EOMREJECT please")));
        // the test milter wanted a header added, but mailfromd's reject decides and nothing is changed
        assertReply(ReplyCode.REJECT, "550 5.7.0 Message rejected at end of message by pmult-e2e", smtp.dot());
        smtp.close();
        pmult.awaitNoLiveSessions();
        assertFalse(commands(testerSaw("EOMREJ")).contains(Command.BODYEOB),
                "a message the first milter rejected must not end at the second (nothing signed, nothing counted)");
    }

    @Test
    void theTestMilterDecidesWhereMailfromdContinues() {
        Meta1Client meta1 = start(Transport.UNIX, testerAnswering(
                Map.of("<greylist@e2e.example>", new MilterReply.ReplyCode("451 4.7.1 Greylisted by the test milter"),
                        "<discard@e2e.example>", MilterReply.DISCARD),
                Map.of("<spamtrap@e2e.example>", new MilterReply.ReplyCode("550 5.1.1 Spamtrap refused by the test milter"))),
                false);

        Meta1Client.Session smtp = meta1.session("TESTERDECIDES");
        assertContinue(smtp.connect("192.0.2.14", 40006, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        // mailfromd accepts this sender; the test milter tempfails it
        assertReply(ReplyCode.TEMPFAIL, "451 4.7.1 Greylisted by the test milter", smtp.mail("<greylist@e2e.example>"));
        assertContinue(smtp.mail(SENDER));
        assertReply(ReplyCode.REJECT, "550 5.1.1 Spamtrap refused by the test milter", smtp.rcpt("<spamtrap@e2e.example>"));
        assertContinue(smtp.abort());
        // the test milter discards at MAIL: the message is accepted and dropped
        assertReply(ReplyCode.DISCARD, null, smtp.mail("<discard@e2e.example>"));
        assertContinue(smtp.abort());
        smtp.close();
        pmult.awaitNoLiveSessions();

        assertMailfromdSaw(mailfromdFor(Transport.UNIX), "TESTERDECIDES", seen -> assertTrue(seen.containsAll(List.of(
                "envfrom sender=<greylist@e2e.example>", "envrcpt rcpt=<spamtrap@e2e.example>",
                "envfrom sender=<discard@e2e.example>")), "mailfromd was asked too: " + seen));
    }

    @Test
    void aMilterThatAcceptsTheMessageIsNotAskedAgainUntilTheNextOne() {
        Meta1Client meta1 = start(Transport.INET, testerAnswering(Map.of("<vip@e2e.example>", MilterReply.ACCEPT), Map.of()),
                false);
        MailfromdPeer mfd = mailfromdFor(Transport.INET);

        Meta1Client.Session smtp = meta1.session("TESTERACCEPTS");
        assertContinue(smtp.connect("192.0.2.15", 40007, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        // the test milter accepts; mailfromd still decides the rest of this message
        assertContinue(smtp.mail("<vip@e2e.example>"));
        assertReply(ReplyCode.REJECT, "550 5.1.1 Recipient blocked@e2e.example rejected by pmult-e2e",
                smtp.rcpt("<blocked@e2e.example>"));
        assertContinue(smtp.rcpt("<bob@e2e.example>"));
        assertContinue(smtp.data());
        assertContinue(smtp.message(MESSAGE));
        assertEquals(List.of("X-E2E-Passed", "X-E2E-Macros"), headerNames(smtp.dot()));
        // the test milter saw nothing of the message after accepting; pmult closed it with ABORT, as Sendmail does
        await("the test milter's ABORT").atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(
                List.of(Command.OPTNEG, Command.CONNECT, Command.HELO, Command.MAIL, Command.ABORT),
                commands(testerSaw("TESTERACCEPTS"))));

        // the next message asks both again
        assertContinue(smtp.mail(SENDER));
        assertContinue(smtp.rcpt("<bob@e2e.example>"));
        assertContinue(smtp.data());
        assertContinue(smtp.message(MESSAGE));
        assertEquals(List.of("X-E2E-Passed", "X-E2E-Macros", "X-Test-Milter"), headerNames(smtp.dot()));
        smtp.close();
        pmult.awaitNoLiveSessions();
        assertEquals(2, commands(testerSaw("TESTERACCEPTS")).stream().filter(c -> c == Command.MAIL).count());
        assertMailfromdSaw(mfd, "TESTERACCEPTS", seen ->
                assertEquals(2, seen.stream().filter(line -> line.startsWith("envfrom sender=")).count(), seen.toString()));
    }

    @Test
    void whenMailfromdAcceptsTheTestMilterDecidesTheRestOfTheMessage() {
        Meta1Client meta1 = start(Transport.UNIX, testerAnswering(Map.of(),
                Map.of("<spamtrap@e2e.example>", new MilterReply.ReplyCode("550 5.1.1 Spamtrap refused by the test milter"))),
                false);

        Meta1Client.Session smtp = meta1.session("MFDACCEPTS");
        assertContinue(smtp.connect("192.0.2.16", 40008, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        assertContinue(smtp.mail("<trusted@e2e.example>"));
        assertReply(ReplyCode.REJECT, "550 5.1.1 Spamtrap refused by the test milter", smtp.rcpt("<spamtrap@e2e.example>"));
        assertContinue(smtp.rcpt("<blocked@e2e.example>"));   // mailfromd would refuse it, but it accepted the message
        assertContinue(smtp.data());
        assertContinue(smtp.message(MESSAGE));
        assertEquals(List.of("X-Test-Milter"), headerNames(smtp.dot()));
        smtp.close();
        pmult.awaitNoLiveSessions();

        assertMailfromdSaw(mailfromdFor(Transport.UNIX), "MFDACCEPTS", seen -> {
            assertTrue(seen.contains("envfrom sender=<trusted@e2e.example>"), seen.toString());
            assertTrue(seen.stream().noneMatch(line -> line.startsWith("envrcpt") || line.startsWith("eom")),
                    "mailfromd saw nothing after accepting: " + seen);
        });
    }

    @Test
    void whenEveryMilterAcceptsPmultAccepts() {
        Meta1Client meta1 = start(Transport.INET, testerAnswering(Map.of("<trusted@e2e.example>", MilterReply.ACCEPT),
                Map.of()), false);

        Meta1Client.Session smtp = meta1.session("BOTHACCEPT");
        assertContinue(smtp.connect("192.0.2.17", 40009, "client.e2e.example"));
        assertContinue(smtp.helo("client.e2e.example"));
        assertReply(ReplyCode.ACCEPT, null, smtp.mail("<trusted@e2e.example>"));
        smtp.close();
        pmult.awaitNoLiveSessions();
    }

    @Test
    void whenBothRefuseTheFirstClientsVerdictAndTextWin() {
        MilterReply testerRefusal = new MilterReply.ReplyCode("550 5.7.1 Sender refused by the test milter");
        Meta1Client meta1 = start(Transport.UNIX, testerAnswering(
                Map.of("<reject@e2e.example>", testerRefusal, "<tempfail@e2e.example>", testerRefusal), Map.of()), false);

        Meta1Client.Session smtp = meta1.session("MFDFIRST");
        assertContinue(smtp.connect("192.0.2.18", 40010, "client.e2e.example"));
        assertReply(ReplyCode.REJECT, "550 5.7.1 Sender reject@e2e.example refused by pmult-e2e",
                smtp.mail("<reject@e2e.example>"));
        // mailfromd comes first: its tempfail decides although the test milter rejects
        assertReply(ReplyCode.TEMPFAIL, "451 4.7.1 Sender tempfail@e2e.example: try again later (pmult-e2e)",
                smtp.mail("<tempfail@e2e.example>"));
        smtp.close();
        pmult.awaitNoLiveSessions();
    }

    @Test
    void withTheTestMilterFirstItsVerdictAndTextWin() {
        MilterReply testerRefusal = new MilterReply.ReplyCode("550 5.7.1 Sender refused by the test milter");
        Meta1Client meta1 = start(Transport.INET, testerAnswering(
                Map.of("<reject@e2e.example>", testerRefusal, "<tempfail@e2e.example>", testerRefusal), Map.of()), true);

        Meta1Client.Session smtp = meta1.session("TESTERFIRST");
        assertContinue(smtp.connect("192.0.2.19", 40011, "client.e2e.example"));
        assertReply(ReplyCode.REJECT, "550 5.7.1 Sender refused by the test milter", smtp.mail("<reject@e2e.example>"));
        assertReply(ReplyCode.REJECT, "550 5.7.1 Sender refused by the test milter", smtp.mail("<tempfail@e2e.example>"));
        smtp.close();
        pmult.awaitNoLiveSessions();
        // mailfromd, second in line, saw the connection but neither refused sender
        assertMailfromdSaw(mailfromdFor(Transport.INET), "TESTERFIRST", seen -> {
            assertTrue(seen.contains("connect host=client.e2e.example port=40011 addr=192.0.2.19"), seen.toString());
            assertTrue(seen.stream().noneMatch(line -> line.startsWith("envfrom")), seen.toString());
        });
    }

    @Test
    void withConnectionReuseMailfromdRefusesQuitNcOnceAndEverySessionIsServed() {
        MailfromdPeer mfd = mailfromdFor(Transport.INET);
        long refusalsBefore = quitNcRefusals(mfd);
        Meta1Client meta1 = start(Transport.INET, testerAnswering(Map.of(), Map.of()), false, "reuse-connections yes;");

        for (int i = 1; i <= 4; i++) {
            String seid = "REUSE" + i;
            Meta1Client.Session smtp = meta1.session(seid);
            assertContinue(smtp.connect("192.0.2.4" + i, 40040 + i, "reuse" + i + ".e2e.example"));
            assertContinue(smtp.helo("reuse" + i + ".e2e.example"));
            if (i == 3) {
                assertReply(ReplyCode.REJECT, "550 5.7.1 Sender reject@e2e.example refused by pmult-e2e",
                        smtp.mail("<reject@e2e.example>"));
            } else {
                // a whole message: QUIT_NC goes out only after end of message answered CONTINUE
                assertContinue(smtp.mail(SENDER));
                assertContinue(smtp.rcpt("<bob@e2e.example>"));
                assertContinue(smtp.data());
                assertContinue(smtp.message(MESSAGE));
                assertEquals(ReplyCode.CONTINUE, smtp.dot().code());
            }
            smtp.close();
            pmult.awaitNoLiveSessions();
            if (i == 1) {
                // the test milter's kept connection is offered again once it outlived its QUIT_NC
                await("the test milter's connection kept").atMost(Duration.ofSeconds(10)).until(() ->
                        pmult.scrape().value("pmult_milter_idle_connections", "client", "tester") == 2);
            }
            assertMailfromdSaw(mfd, seid, seen -> assertTrue(seen.contains("helo arg=reuse" + seid.charAt(5)
                    + ".e2e.example"), seen.toString()));
        }

        // mailfromd hung up on the first QUIT_NC; pmult did not send it another
        await("mailfromd's refusal logged").atMost(Duration.ofSeconds(10)).until(() -> quitNcRefusals(mfd) > refusalsBefore);
        assertEquals(refusalsBefore + 1, quitNcRefusals(mfd));
        MetricsSnapshot metrics = pmult.scrape();
        assertEquals(0, metrics.value("pmult_milter_connections_reused_total", "client", "mfd"));
        assertTrue(metrics.value("pmult_milter_connections_reused_total", "client", "tester") >= 1,
                "the test milter takes QUIT_NC: later sessions ran on its kept connections");
        assertEquals(0, metrics.sum("pmult_milter_default_actions_total"), "no session got a default action");
        assertEquals(0, metrics.sum("pmult_milter_failures_total"), "QUIT_NC refused is no failure");
    }

    /** How often mailfromd has logged a QUIT_NC it does not know ({@code unknown command: K}). */
    private static long quitNcRefusals(MailfromdPeer mfd) {
        return mfd.log().lines().filter(line -> line.contains("unknown command: K")).count();
    }

    // ---- set-up -------------------------------------------------------------------------------

    /**
     * Starts the test milter with {@code builder}'s script, then pmult with pmult.conf clients
     * {@code mfd} and {@code tester} (in that order unless {@code testerFirst}), listening on
     * {@code listen}; returns a negotiated MeTA1 connection.
     */
    private Meta1Client start(Transport listen, ScriptedMilter.Builder builder, boolean testerFirst) {
        return start(listen, builder, testerFirst, "");
    }

    /** As above, with {@code clientStatements} added to both client blocks. */
    private Meta1Client start(Transport listen, ScriptedMilter.Builder builder, boolean testerFirst, String clientStatements) {
        tester = builder.start(transport.serverBootstrap(testerLoops, testerLoops, new InetSocketAddress(0)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int testerPort = ((InetSocketAddress) tester.localAddress()).getPort();
        String listenUrl = listen == Transport.INET
                ? "inet://127.0.0.1:" + PmultHarness.freeLoopbackPort()
                : "unix://" + dir.resolve("pmult.sock");
        String mfd = """
                client mfd {
                  url %s;
                  read-timeout 10 seconds;
                  eom-timeout 20 seconds;
                  %s
                }
                """.formatted(mailfromdFor(listen).socketSpec(), clientStatements);
        String testMilter = """
                client tester {
                  url inet:%d@127.0.0.1;
                  read-timeout 10 seconds;
                  %s
                }
                """.formatted(testerPort, clientStatements);
        String config = "# pmult.conf written by PmultMailfromdIT\nlisten " + listenUrl + ";\n"
                + (testerFirst ? testMilter + mfd : mfd + testMilter);
        pmult = PmultHarness.start(dir, "pmult.conf", config);
        return pmult.meta1(META1_MACROS);
    }

    /** pmult on one kind of socket reaches mailfromd over the other, so each test crosses both kinds. */
    private static MailfromdPeer mailfromdFor(Transport pmultListens) {
        return MAILFROMD.get(pmultListens == Transport.INET ? Transport.UNIX : Transport.INET);
    }

    /**
     * The test milter: v6, every offered action, every stage with a reply, {@link #TESTER_MACROS};
     * MAIL and RCPT answered from the maps (by address with brackets, as pmult passes it on), else
     * CONTINUE; at end of message it adds {@code X-Test-Milter: seen}.
     */
    private static ScriptedMilter.Builder testerAnswering(Map<String, MilterReply> onMail, Map<String, MilterReply> onRcpt) {
        return ScriptedMilter.builder()
                .on(Command.OPTNEG, (command, connection) -> {
                    MilterCommand.OptionNegotiation offer = (MilterCommand.OptionNegotiation) command;
                    return MilterScriptResponse.reply(new MilterReply.OptionNegotiation(
                            Math.min(offer.version(), MilterCodes.MAX_VERSION), offer.actions(), 0, TESTER_MACROS));
                })
                .on(Command.MAIL, (command, connection) -> MilterScriptResponse.reply(
                        onMail.getOrDefault(((MilterCommand.Mail) command).sender(), MilterReply.CONTINUE)))
                .on(Command.RCPT, (command, connection) -> MilterScriptResponse.reply(
                        onRcpt.getOrDefault(((MilterCommand.Rcpt) command).recipient(), MilterReply.CONTINUE)))
                .on(Command.BODYEOB, (command, connection) -> MilterScriptResponse.reply(
                        new MilterReply.AddHeader("X-Test-Milter", "seen"), MilterReply.CONTINUE));
    }

    // ---- what the milters saw -----------------------------------------------------------------

    /** Waits (a bounded time) until mailfromd's log lines for session {@code seid} pass {@code assertion}. */
    private static void assertMailfromdSaw(MailfromdPeer mfd, String seid, Consumer<List<String>> assertion) {
        await("mailfromd's log for session " + seid).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertion.accept(mailfromdSaw(mfd, seid)));
    }

    /** mailfromd's log lines for session {@code seid}, without the "E2E seid " prefix. */
    private static List<String> mailfromdSaw(MailfromdPeer mfd, String seid) {
        String prefix = "E2E " + seid + " ";
        return mfd.echoLines().stream().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length())).toList();
    }

    /** Every command of the test milter's connection for session {@code seid} (found by its macro {@code i}). */
    private List<MilterCommand> testerSaw(String seid) {
        List<ScriptedMilter.Received> received = tester.receivedWithConnections();
        int connection = received.stream()
                .filter(r -> r.command() instanceof MilterCommand.Macros m && m.stage() == Command.CONNECT
                        && seid.equals(m.macros().toMap().get("i")))
                .mapToInt(ScriptedMilter.Received::connection).findFirst()
                .orElseThrow(() -> new AssertionError("the test milter saw no session " + seid + ": " + received));
        return received.stream().filter(r -> r.connection() == connection).map(ScriptedMilter.Received::command).toList();
    }

    /** The macro packets the test milter got for session {@code seid}, in order. */
    private List<Map.Entry<Command, Map<String, String>>> testerMacros(String seid) {
        await("the test milter's session " + seid + " ended").atMost(Duration.ofSeconds(10))
                .until(() -> commands(testerSaw(seid)).stream()
                        .anyMatch(command -> command == Command.QUIT || command == Command.QUIT_NC));
        List<Map.Entry<Command, Map<String, String>>> packets = new ArrayList<>();
        for (MilterCommand command : testerSaw(seid)) {
            if (command instanceof MilterCommand.Macros m) {
                packets.add(new AbstractMap.SimpleImmutableEntry<>(m.stage(), m.macros().toMap()));
            }
        }
        return packets;
    }

    private static Map.Entry<Command, Map<String, String>> macros(Command stage, String... namesAndValues) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            values.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return new AbstractMap.SimpleImmutableEntry<>(stage, values);
    }

    /** The command codes, without the macro packets. */
    private static List<Command> commands(List<MilterCommand> commands) {
        return commands.stream().filter(c -> !(c instanceof MilterCommand.Macros)).map(MilterCommand::command).toList();
    }

    private static Map<PmilterCodes.Stage, Set<Macro>> requested(PmilterResponse.NegotiateReply negotiation) {
        Map<PmilterCodes.Stage, Set<Macro>> requested = new EnumMap<>(PmilterCodes.Stage.class);
        negotiation.macroRequests().forEach((stage, macros) -> {
            if (!macros.isEmpty()) {
                requested.put(stage, new HashSet<>(macros));
            }
        });
        return requested;
    }

    // ---- assertions ---------------------------------------------------------------------------

    private static void assertContinue(PmilterResponse.Reply reply) {
        assertReply(ReplyCode.CONTINUE, null, reply);
    }

    private static void assertReply(ReplyCode code, String text, PmilterResponse.Reply reply) {
        assertEquals(code, reply.code(), () -> "reply code of " + reply);
        assertEquals(text, reply.text(), () -> "reply text of " + reply);
        assertEquals(List.of(), reply.modifications(), () -> "modifications of " + reply);
    }

    private static List<String> headerNames(PmilterResponse.Reply dot) {
        assertEquals(ReplyCode.CONTINUE, dot.code(), () -> "end of message: " + dot);
        return dot.modifications().stream()
                .map(m -> ((PmilterModification.AddHeader) m).name()).toList();
    }
}
