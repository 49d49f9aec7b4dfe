package org.pmult.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.RecordingMilterPeer.Callback;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterResponse;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pmult in front of a real libmilter filter ({@link RecordingMilterPeer}): MeTA1's side drives pmult,
 * the filter records what libmilter handed it. Each test reads as the conversation, then checks the
 * filter's record.
 */
class PmultLibmilterIT {

    private static final Map<Macro, String> META1_MACROS = Map.of(Macro.HOSTNAME, "meta1.lm.example");

    @TempDir
    Path dir;
    private RecordingMilterPeer milter;
    private PmultHarness pmult;

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger("org.pmult.server.upstream.MilterConnectionPool")).detachAppender(poolWarnings);
        try {
            if (pmult != null) {
                pmult.close();
            }
        } finally {
            if (milter != null) {
                milter.close();
            }
        }
    }

    @Test
    void aWholeSessionReachesTheLibmilterFilterWithItsMacros() {
        Meta1Client meta1 = start("");
        Meta1Client.Session smtp = meta1.session("LM1");
        assertEquals(ReplyCode.CONTINUE, smtp.connect("192.0.2.31", 40031, "client31.lm.example").code());
        assertEquals(ReplyCode.CONTINUE, smtp.helo("helo31.lm.example").code());
        assertEquals(ReplyCode.CONTINUE, smtp.mail("<alice@lm.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.rcpt("<bob@lm.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.data().code());
        assertEquals(ReplyCode.CONTINUE, smtp.message("Subject: hello\n\nbody\n").code());
        assertEquals(ReplyCode.ACCEPT, smtp.dot().code(), "libmilter answered ACCEPT at end of message");
        smtp.close();
        pmult.awaitNoLiveSessions();

        // the reconnect probe and the spare connection negotiated too, but only one session ran
        List<Callback> seen = awaitCallbacks(callbacks -> callbacks.stream()
                .anyMatch(c -> c.session() == 1 && c.stage().equals("close"))).stream()
                .filter(c -> c.session() == 1).toList();
        assertEquals(List.of("connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom", "close"),
                seen.stream().map(Callback::stage).toList());
        Callback connect = seen.get(0);
        assertEquals(List.of("client31.lm.example", "('192.0.2.31', 40031)"), connect.args());
        // no macro lists: Postfix's default connect set, with _ as NAME [ADDR]
        assertEquals("client31.lm.example [192.0.2.31]", connect.macros().get("_"));
        Callback mail = seen.get(2);
        assertEquals("<alice@lm.example>", mail.args().get(0));
        assertEquals("alice@lm.example", mail.macros().get("{mail_addr}"));
        assertEquals("accept", seen.get(8).verdict());
    }

    @Test
    void aTokenInTheRecipientMakesLibmilterRejectThatRecipient() {
        Meta1Client meta1 = start("");
        Meta1Client.Session smtp = meta1.session("LM2");
        assertEquals(ReplyCode.CONTINUE, smtp.connect("192.0.2.32", 40032, "client32.lm.example").code());
        assertEquals(ReplyCode.CONTINUE, smtp.mail("<alice@lm.example>").code());
        PmilterResponse.Reply refused = smtp.rcpt("<rcpt-reject@lm.example>");
        assertEquals(ReplyCode.REJECT, refused.code(), refused::toString);
        assertEquals(ReplyCode.CONTINUE, smtp.rcpt("<bob@lm.example>").code());
        smtp.close();
        pmult.awaitNoLiveSessions();
    }

    // ---- changes smtps cannot take as libmilter sends them ---------------------------------------

    @Test
    void aHeaderChangeOfAMissingInstanceAndLfFoldingReachSmtpsAsSendmailWouldWriteThem() {
        Meta1Client meta1 = start("");
        Meta1Client.Session smtp = startMessage(meta1, "LM3");
        assertEquals(ReplyCode.CONTINUE, smtp.message("Subject: changes\n\nbody eom-chgheader eom-addheader\n").code());

        PmilterResponse.Reply dot = smtp.dot();

        assertEquals(ReplyCode.ACCEPT, dot.code(), dot::toString);
        // values as they follow the colon: the space libmilter leaves out goes back in front (HeaderLeadingSpace)
        assertEquals(List.of(new PmilterModification.AddHeader("X-Recording-Folded", " first\r\n\tsecond"),
                        new PmilterModification.AddHeader("X-Recording-Milter", " changed")),
                dot.modifications(), "smfi_addheader folded with LF, smfi_chgheader of an instance the message lacks");
        smtp.close();
    }

    @Test
    void aQuarantinedMessageIsRefusedForNowAndCounted() {
        Meta1Client meta1 = start("");
        Meta1Client.Session smtp = startMessage(meta1, "LM4");
        assertEquals(ReplyCode.CONTINUE, smtp.message("Subject: held\n\nbody eom-quarantine eom-addheader\n").code());

        PmilterResponse.Reply dot = smtp.dot();

        assertEquals(ReplyCode.TEMPFAIL, dot.code(), dot::toString);
        assertEquals("451 4.7.1 Message held by a content filter, try again later", dot.text());
        assertEquals(List.of(), dot.modifications(), "a held message gets none of the milter's changes");
        smtp.close();
        assertEquals(1, pmult.scrape().value("pmult_milter_quarantines_total", "client", "lm", "action", "tempfail"));
    }

    @Test
    void withQuarantineActionAcceptAQuarantinedMessageIsDeliveredAndCounted() {
        Meta1Client meta1 = start("quarantine-action accept;");
        Meta1Client.Session smtp = startMessage(meta1, "LM5");
        assertEquals(ReplyCode.CONTINUE, smtp.message("Subject: held\n\nbody eom-quarantine\n").code());

        assertEquals(ReplyCode.ACCEPT, smtp.dot().code());
        smtp.close();
        assertEquals(1, pmult.scrape().value("pmult_milter_quarantines_total", "client", "lm", "action", "accept"));
    }

    private static Meta1Client.Session startMessage(Meta1Client meta1, String seid) {
        Meta1Client.Session smtp = meta1.session(seid);
        assertEquals(ReplyCode.CONTINUE, smtp.connect("192.0.2.33", 40033, "client33.lm.example").code());
        assertEquals(ReplyCode.CONTINUE, smtp.helo("helo33.lm.example").code());
        assertEquals(ReplyCode.CONTINUE, smtp.mail("<alice@lm.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.rcpt("<bob@lm.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.data().code());
        return smtp;
    }

    // ---- connection reuse: libmilter takes SMFIC_QUIT_NC only at end of message after CONTINUE ----

    /** What libmilter needs asked for, so every session's own values are on record. */
    private static final Map<String, String> REUSE_FILTER = Map.of("RM_SYMLIST",
            "connect={client_addr} {client_name} j;helo=s {client_addr};mail={mail_addr} i;rcpt={rcpt_addr} i;"
                    + "eom=i {mail_addr} {client_addr}");

    @Test
    void twoHundredSequentialSessionsOfEveryShapeReuseConnectionsWithoutADefaultActionOrAMacroLeak() {
        Meta1Client meta1 = startReuse();

        for (int n = 0; n < 200; n++) {
            Shape.values()[n % Shape.values().length].run(meta1, n);
        }

        assertReuseWithoutLoss(200);
    }

    @Test
    void fiftyConcurrentSessionsOfEveryShapeReuseConnectionsWithoutADefaultActionOrAMacroLeak() throws Exception {
        Meta1Client meta1 = startReuse();
        // a few rounds, so connections kept in one round serve the next
        int rounds = 3;
        ExecutorService smtpClients = Executors.newFixedThreadPool(50);
        try {
            for (int round = 0; round < rounds; round++) {
                List<Future<?>> sessions = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int n = round * 50 + i;
                    sessions.add(smtpClients.submit(() -> Shape.values()[n % Shape.values().length].run(meta1, n)));
                }
                for (Future<?> session : sessions) {
                    session.get(2, TimeUnit.MINUTES);
                }
                pmult.awaitNoLiveSessions();
            }
        } finally {
            smtpClients.shutdownNow();
        }

        assertReuseWithoutLoss(rounds * 50);
    }

    /** Every session answered by the filter itself, some on kept connections, each seeing only its own values. */
    private void assertReuseWithoutLoss(int sessions) {
        pmult.awaitNoLiveSessions();
        MetricsSnapshot metrics = pmult.scrape();
        assertEquals(0, metrics.sum("pmult_milter_default_actions_total"), "no session got a default action");
        assertEquals(0, metrics.sum("pmult_milter_failures_total"), "no Milter failure");
        assertEquals(0, metrics.sum("pmult_milter_timeouts_total"), "no Milter timeout");
        assertTrue(metrics.value("pmult_milter_connections_reused_total", "client", "lm") > 0,
                "sessions after an end of message answered CONTINUE ran on kept connections");

        List<Callback> callbacks = awaitCallbacks(all -> all.stream().filter(c -> c.stage().equals("connect")).count()
                == sessions);
        Map<Integer, Integer> smtpSessionOf = new HashMap<>();
        for (Callback callback : callbacks) {
            if (callback.stage().equals("connect")) {
                smtpSessionOf.put(callback.session(), tag(callback.args().get(0)));
            }
        }
        assertEquals(sessions, new HashSet<>(smtpSessionOf.values()).size(), "every SMTP session reached the filter once");
        for (Callback callback : callbacks) {
            if (callback.session() == 0 || callback.stage().equals("close")) {
                continue;
            }
            int own = smtpSessionOf.get(callback.session());
            for (String value : callback.macros().values()) {
                Matcher tags = TAG.matcher(value);
                while (tags.find()) {
                    assertEquals(own, Integer.parseInt(tags.group(1)), () -> "session " + own + " saw " + value
                            + " in " + callback);
                }
            }
            String clientAddress = callback.macros().get("{client_addr}");
            if (clientAddress != null) {
                assertEquals(Shape.clientAddress(own), clientAddress, callback::toString);
            }
        }
        // libmilter took every QUIT_NC pmult sent: no kept connection left its next CONNECT unanswered
        assertEquals(List.of(), poolWarnings.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("answered no CONNECT")).toList());
        assertTrue(callbacks.stream().anyMatch(c -> c.stage().equals("eom") && c.macros().containsKey("{mail_addr}")),
                "the check saw macros at end of message");
        assertFalse(milter.log().contains("Traceback"), milter::log);
    }

    private static final Pattern TAG = Pattern.compile("t(\\d+)x");

    private static int tag(String text) {
        Matcher matcher = TAG.matcher(text);
        assertTrue(matcher.find(), text);
        return Integer.parseInt(matcher.group(1));
    }

    /**
     * The SMTP sessions the reuse tests mix: each leaves libmilter in a different state, and each
     * carries its number n as "t{n}x" in every value the filter can see.
     */
    private enum Shape {
        /** A whole message; libmilter answers ACCEPT at end of message (as opendkim does). */
        MESSAGE_ACCEPTED,
        /** A whole message answered CONTINUE at end of message: the one place libmilter takes QUIT_NC. */
        MESSAGE_CONTINUED,
        HELO_ONLY,
        /** MAIL, RCPT, then RSET (ABORT). */
        RSET,
        REJECT_AT_CONNECT, REJECT_AT_HELO, REJECT_AT_MAIL, TEMPFAIL_AT_RCPT, REJECT_AT_DATA, REJECT_AT_HEADER,
        REJECT_AT_EOH, REJECT_AT_BODY, REJECT_AT_EOM, REPLYCODE_AT_EOM,
        /** A rejected recipient, then a whole message continued at end of message. */
        RCPT_REJECTED_THEN_MESSAGE;

        static String clientAddress(int n) {
            return "10.7." + (n / 250) + "." + (n % 250 + 1);
        }

        void run(Meta1Client meta1, int n) {
            String tag = "t" + n + "x";
            Meta1Client.Session smtp = meta1.session("LM" + tag);
            String client = (this == REJECT_AT_CONNECT ? "connect-reject." : "") + "c" + tag + ".lm.example";
            ReplyCode connect = smtp.connect(clientAddress(n), 20000 + n, client).code();
            if (this == REJECT_AT_CONNECT) {
                assertEquals(ReplyCode.REJECT, connect);
                smtp.close();
                return;
            }
            assertEquals(ReplyCode.CONTINUE, connect);
            ReplyCode helo = smtp.helo((this == REJECT_AT_HELO ? "helo-reject." : "") + "h" + tag + ".lm.example").code();
            if (this == REJECT_AT_HELO) {
                assertEquals(ReplyCode.REJECT, helo);
                smtp.close();
                return;
            }
            assertEquals(ReplyCode.CONTINUE, helo);
            if (this == HELO_ONLY) {
                smtp.close();
                return;
            }
            String sender = "<" + (this == REJECT_AT_MAIL ? "mail-reject-" : "s-") + tag + "@lm.example>";
            ReplyCode mail = smtp.mail(sender).code();
            if (this == REJECT_AT_MAIL) {
                assertEquals(ReplyCode.REJECT, mail);
                smtp.close();
                return;
            }
            assertEquals(ReplyCode.CONTINUE, mail);
            if (this == RCPT_REJECTED_THEN_MESSAGE) {
                assertEquals(ReplyCode.REJECT, smtp.rcpt("<rcpt-reject-" + tag + "@lm.example>").code());
            }
            String recipient = "<" + switch (this) {
                case TEMPFAIL_AT_RCPT -> "rcpt-tempfail-";
                case REJECT_AT_DATA -> "data-reject-";
                default -> "r-";
            } + tag + "@lm.example>";
            ReplyCode rcpt = smtp.rcpt(recipient).code();
            if (this == TEMPFAIL_AT_RCPT) {
                assertEquals(ReplyCode.TEMPFAIL, rcpt);
                smtp.close();
                return;
            }
            assertEquals(ReplyCode.CONTINUE, rcpt);
            if (this == RSET) {
                assertEquals(ReplyCode.CONTINUE, smtp.abort().code());
                smtp.close();
                return;
            }
            ReplyCode data = smtp.data().code();
            if (this == REJECT_AT_DATA) {
                assertEquals(ReplyCode.REJECT, data);
                smtp.close();
                return;
            }
            assertEquals(ReplyCode.CONTINUE, data);
            String token = switch (this) {
                case MESSAGE_CONTINUED, RCPT_REJECTED_THEN_MESSAGE -> "eom-continue";
                case REJECT_AT_HEADER -> "header-reject";
                case REJECT_AT_EOH -> "eoh-reject";
                case REJECT_AT_BODY -> "body-reject";
                case REJECT_AT_EOM -> "eom-reject";
                case REPLYCODE_AT_EOM -> "eom-replycode";
                default -> "plain";
            };
            boolean inHeader = this == REJECT_AT_HEADER || this == REJECT_AT_EOH;
            String message = "Subject: " + tag + (inHeader ? " " + token : "") + "\n\nbody of " + tag
                    + (inHeader ? "" : " " + token) + "\n";
            PmilterResponse.Reply content = smtp.message(message);
            if (this == REJECT_AT_HEADER || this == REJECT_AT_EOH || this == REJECT_AT_BODY) {
                assertEquals(ReplyCode.REJECT, content.code(), content::toString);
                smtp.close();
                return;
            }
            assertEquals(ReplyCode.CONTINUE, content.code(), content::toString);
            PmilterResponse.Reply dot = smtp.dot();
            switch (this) {
                case REJECT_AT_EOM -> assertEquals(ReplyCode.REJECT, dot.code(), dot::toString);
                case REPLYCODE_AT_EOM -> {
                    assertEquals(ReplyCode.REJECT, dot.code(), dot::toString);
                    assertEquals("550 5.7.1 Rejected by recording-milter at eom", dot.text());
                }
                case MESSAGE_ACCEPTED -> assertEquals(ReplyCode.ACCEPT, dot.code(), dot::toString);
                default -> assertEquals(ReplyCode.CONTINUE, dot.code(), dot::toString);
            }
            smtp.close();
        }
    }

    /** The connection pool's warnings: one says a kept connection went unanswered. */
    private final ListAppender<ILoggingEvent> poolWarnings = new ListAppender<>();

    private Meta1Client startReuse() {
        poolWarnings.start();
        ((Logger) LoggerFactory.getLogger("org.pmult.server.upstream.MilterConnectionPool")).addAppender(poolWarnings);
        milter = RecordingMilterPeer.start(true, REUSE_FILTER);
        return startPmult("reuse-connections yes;");
    }

    // ---- set-up -------------------------------------------------------------------------------

    /** Starts the filter on a unix socket, then pmult (pmult.conf) with one client for it. */
    private Meta1Client start(String clientStatements) {
        milter = RecordingMilterPeer.start(true, Map.of());
        return startPmult(clientStatements);
    }

    private Meta1Client startPmult(String clientStatements) {
        String config = """
                # pmult.conf written by PmultLibmilterIT
                listen inet://127.0.0.1:%d;
                client lm {
                  url %s;
                  read-timeout 10 seconds;
                  %s
                }
                """.formatted(PmultHarness.freeLoopbackPort(), milter.socketSpec(), clientStatements);
        pmult = PmultHarness.start(dir, "pmult.conf", config);
        return pmult.meta1(META1_MACROS);
    }

    private List<Callback> awaitCallbacks(java.util.function.Predicate<List<Callback>> done) {
        return await("the filter's record").atMost(Duration.ofSeconds(30)).until(milter::records, done);
    }
}
