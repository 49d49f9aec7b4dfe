package org.pmult.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.CommandResult;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.SessionScript;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.it.SimRuns.assertFromPmult;
import static org.pmult.it.SimRuns.transcript;

/**
 * rspamd's milter mode behind pmult: the simulator (smtps) sends SMTP sessions through pmult, run
 * with {@code docs/examples/with-rspamd.conf}, to rspamd's proxy worker scanning by itself. rspamd
 * decides at end of message; its verdicts, texts and header changes must reach smtps as rspamd
 * gave them.
 */
class RspamdIT {

    /** The GTUBE test string: rspamd rejects a message that contains it. */
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    /** rspamd's GTUBE variant for its "rewrite subject" action (enable_test_patterns). */
    static final String GTUBE_REWRITE_SUBJECT = "ZJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    /** rspamd's GTUBE variant for its "add header" action (enable_test_patterns). */
    static final String GTUBE_ADD_HEADER = "YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private static final Duration SIM_TIMEOUT = Duration.ofSeconds(40);

    private static RspamdPeer rspamd;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRspamd() {
        rspamd = RspamdPeer.shared();
    }

    @Test
    void gtubeIsRejectedWithRspamdsText() {
        SessionResult session = play(exampleConfig(), session("gtube", "Test spam", "Spam follows.\n" + GTUBE));

        assertFromPmult(session, "dot", ReplyCode.REJECT, RspamdPeer.GTUBE_REJECT);
    }

    @Test
    void softRejectIsATempfailWithRspamdsText() {
        SessionResult session = play(exampleConfig(), session("soft", "please SOFTREJECT this", "Hello."));

        assertFromPmult(session, "dot", ReplyCode.TEMPFAIL, "451 4.7.1 Try again later (pmult test rule)");
    }

    @Test
    void cleanMessageIsAcceptedWithRspamdsHeadersAsModifications() {
        SessionResult session = play(exampleConfig(), session("clean", "Lunch", "See you at noon."));

        CommandResult dot = session.byRequest("dot");
        assertTrue(dot.fromPmilter(), () -> transcript(session));
        assertEquals(ReplyCode.ACCEPT, dot.code(), () -> transcript(session));
        List<String> modifications = dot.describedModifications();
        assertTrue(modifications.stream().anyMatch(m -> m.matches("(?s)\\+header(\\[\\d+])? X-Spamd-Result: default: False .*")),
                () -> transcript(session));
    }

    @Test
    void rewriteSubjectChangesTheSubjectHeader() {
        SessionResult session = play(exampleConfig(), session("rewrite", "Cheap watches",
                "Buy now.\n" + GTUBE_REWRITE_SUBJECT));

        CommandResult dot = session.byRequest("dot");
        assertTrue(dot.describedModifications().contains("~header[1] Subject: ***SPAM*** Cheap watches"),
                () -> transcript(session));
    }

    @Test
    void addHeaderActionAddsRspamdsSpamHeader() {
        // rspamd changes instance 1 of X-Spam, which the message lacks; as Sendmail, pmult adds it
        SessionResult session = play(exampleConfig(), session("add-header", "Cheap pills",
                "Buy now.\n" + GTUBE_ADD_HEADER));

        CommandResult dot = session.byRequest("dot");
        assertTrue(dot.describedModifications().stream().anyMatch(m -> m.matches("\\+header(\\[\\d+])? X-Spam: Yes")),
                () -> transcript(session));
    }

    /** rspamd sends no macro lists; Postfix's default mail macros, which pmult sends it, carry {auth_authen}. */
    @Test
    void smtpAuthUserReachesRspamdWithTheDefaultMacros() {
        SessionResult session = play(exampleConfig(), authenticated("auth", "alice"));

        String results = authenticationResults(session);
        assertTrue(results.contains("smtp.auth=alice"), () -> results + "\n" + transcript(session));
    }

    /** The administrator's v2-macros replaces a default set: without {auth_authen} rspamd never learns the user. */
    @Test
    void withoutTheAuthMacrosInItsMailSetRspamdNeverLearnsTheSmtpAuthUser() {
        String config = exampleConfig().replace("\nlisten ", "\nv2-macros envfrom (i, \"{mail_addr}\");\nlisten ");
        SessionResult session = play(config, authenticated("no-auth-macros", "alice"));

        List<String> modifications = session.byRequest("dot").describedModifications();
        assertTrue(modifications.stream().anyMatch(m -> m.contains(" X-Spamd-Result: ")), () -> transcript(session));
        assertTrue(modifications.stream().noneMatch(m -> m.contains("smtp.auth=")), () -> transcript(session));
    }

    private static String authenticationResults(SessionResult session) {
        return session.byRequest("dot").describedModifications().stream()
                .filter(m -> m.matches("(?s)\\+header(\\[\\d+])? Authentication-Results: .*"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Authentication-Results\n" + transcript(session)));
    }

    private SessionResult play(String config, SessionScript script) {
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config);
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            return SimRuns.playOne(simulator, script);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nrspamd log:\n" + rspamd.log(), e);
        }
    }

    private static String exampleConfig() {
        return Examples.load("with-rspamd.conf", Map.of(
                "inet://127.0.0.1:3333", Examples.freeListen(),
                "inet:11332@127.0.0.1", rspamd.socketSpec()));
    }

    private static SessionScript session(String name, String subject, String body) {
        return builder(name).ehlo("client.example.net").mail("<alice@example.net>").rcpt("<bob@example.org>")
                .data().message(SimRuns.message(subject, body)).dot().build();
    }

    /** A session whose client authenticated as {@code user} (smtps knows auth_type and auth_authen from MAIL on). */
    private static SessionScript authenticated(String name, String user) {
        return builder(name).ehlo("client.example.net")
                .macro(Macro.AUTH_TYPE, "PLAIN").macro(Macro.AUTH_AUTHEN, user)
                .mail("<alice@example.net>").rcpt("<bob@example.org>")
                .data().message(SimRuns.message("Submitted", "From an authenticated client.")).dot().build();
    }

    private static SessionScript.Builder builder(String name) {
        try {
            return SessionScript.builder(name).client(InetAddress.getByName("198.51.100.20"), 40002, "client.example.net");
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
