package org.pmult.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.RecordingMilterPeer.Callback;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterResponse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
        assertEquals("192.0.2.31", connect.macros().get("{client_addr}"));
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

    // ---- set-up -------------------------------------------------------------------------------

    /** Starts the filter on a unix socket, then pmult (pmult.conf) with one client for it. */
    private Meta1Client start(String clientStatements) {
        milter = RecordingMilterPeer.start(true, Map.of());
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
        return await("the filter's record").atMost(Duration.ofSeconds(10)).until(milter::records, done);
    }
}
