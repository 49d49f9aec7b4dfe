package org.pmult.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.MailfromdPeer.Transport;
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
 * A real GNU mailfromd (running {@code mfl/pmult-e2e.mfl}) configured in evaluation mode: it is
 * consulted, its refusals and header changes are counted, and MeTA1 gets none of them.
 */
class EvaluationModeIT {

    private static final String MESSAGE = """
            From: Alice <alice@e2e.example>
            Subject: on trial
            Message-ID: <eval-1@e2e.example>

            Hello.
            """;

    private static MailfromdPeer mailfromd;

    @TempDir
    Path dir;
    private PmultHarness pmult;

    @BeforeAll
    static void startMailfromd() {
        MailfromdPeer.requireInstalled();
        mailfromd = MailfromdPeer.start(Transport.UNIX, "/mfl/pmult-e2e.mfl");
    }

    @AfterAll
    static void stopMailfromd() {
        if (mailfromd != null) {
            mailfromd.close();
        }
    }

    @AfterEach
    void stopPmult() {
        if (pmult != null) {
            pmult.close();
        }
    }

    @Test
    void mailfromdIsConsultedButItsRefusalsAndHeadersAreOnlyCounted() {
        pmult = PmultHarness.start(dir, "pmult.conf", """
                listen inet://127.0.0.1:%d;
                client mfd {
                  url %s;
                  read-timeout 10 seconds;
                  evaluation-mode yes;
                }
                """.formatted(PmultHarness.freeLoopbackPort(), mailfromd.socketSpec()));
        Meta1Client meta1 = pmult.meta1(Map.of(Macro.HOSTNAME, "meta1.e2e.example"));
        Meta1Client.Session smtp = meta1.session("EVAL1");

        assertEquals(ReplyCode.CONTINUE, smtp.connect("192.0.2.10", 40001, "client.e2e.example").code());
        // mailfromd refuses this sender: MeTA1 does not hear of it, and mailfromd sees no more of the message
        assertEquals(ReplyCode.CONTINUE, smtp.mail("<reject@e2e.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.rcpt("<blocked@e2e.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.abort().code());
        // next transaction: mailfromd refuses one recipient and adds headers at end of message
        assertEquals(ReplyCode.CONTINUE, smtp.mail("<alice@e2e.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.rcpt("<blocked@e2e.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.rcpt("<bob@e2e.example>").code());
        assertEquals(ReplyCode.CONTINUE, smtp.data().code());
        assertEquals(ReplyCode.CONTINUE, smtp.message(MESSAGE).code());
        PmilterResponse.Reply end = smtp.dot();
        assertEquals(ReplyCode.CONTINUE, end.code());
        assertEquals(List.of(), end.modifications(), "mailfromd's headers are not applied");
        smtp.close();
        pmult.awaitNoLiveSessions();

        await("mailfromd's log").atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(
                "envfrom sender=<reject@e2e.example>",
                "envfrom sender=<alice@e2e.example>",
                "envrcpt rcpt=<blocked@e2e.example>",
                "envrcpt rcpt=<bob@e2e.example>",
                "data",
                "eom subject=on trial"), saw("EVAL1")));
        MetricsSnapshot metrics = pmult.scrape();
        assertEquals(1, metrics.value("pmult_evaluation_verdicts_total", "client", "mfd", "stage", "mail", "action", "reject"));
        assertEquals(1, metrics.value("pmult_evaluation_verdicts_total", "client", "mfd", "stage", "rcpt", "action", "reject"));
        assertEquals(1, metrics.value("pmult_evaluation_verdicts_total", "client", "mfd", "stage", "rcpt", "action", "continue"));
        assertEquals(2, metrics.value("pmult_evaluation_modifications_total", "client", "mfd", "kind", "add-hdr"));
        assertEquals(0, metrics.sum("pmult_verdicts_total", "action", "reject"), "MeTA1 got no reject");
        assertEquals(0, metrics.sum("pmult_milter_default_actions_total"));
    }

    /** mailfromd's envfrom/envrcpt/data/eom log lines for session {@code seid}. */
    private static List<String> saw(String seid) {
        String prefix = "E2E " + seid + " ";
        return mailfromd.echoLines().stream().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()))
                .filter(line -> line.matches("(envfrom sender=|envrcpt rcpt=|eom subject=).*|data")).toList();
    }
}
