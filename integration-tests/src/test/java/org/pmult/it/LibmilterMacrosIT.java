package org.pmult.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.it.RecordingMilterPeer.Callback;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.SessionEnd;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.SessionScript;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.pmult.it.SimRuns.assertFromPmult;

/**
 * Which macros a libmilter filter sees behind pmult, recorded by the filter itself
 * ({@link RecordingMilterPeer}, python3-milter on libmilter's engine) for an SMTP session whose
 * client authenticated: a filter that asks for no macros (like rspamd) gets what Postfix sends it
 * (its milter_*_macros sets, SMTP AUTH included), as with {@code docs/examples/with-rspamd.conf},
 * plus define-macros, and an administrator's v2-macros replaces a set;
 * a filter that sends macro lists gets what it listed, MeTA1's macros included, and nothing else.
 */
class LibmilterMacrosIT {

    private static final Duration SIM_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private RecordingMilterPeer milter;

    @AfterEach
    void stopMilter() {
        if (milter != null) {
            milter.close();
        }
    }

    @Test
    void aFilterWithoutMacroListsGetsPostfixsDefaultSetsPlusDefineMacros() {
        milter = RecordingMilterPeer.start(false, Map.of("RM_MACROS", "{taid}"));
        String config = Examples.load("with-rspamd.conf", Map.of(
                "inet://127.0.0.1:3333", Examples.freeListen(),
                "inet:11332@127.0.0.1", milter.socketSpec()));

        List<Callback> seen = playAuthenticatedSession(config.replace("\nlisten ", "\ndefine-macros envfrom taid;\nlisten "));

        Callback connect = stage(seen, "connect");
        assertEquals("mx.example.org", connect.macros().get("j"), seen::toString);
        assertEquals("mx.example.org", connect.macros().get("{daemon_name}"), () -> "MeTA1's host name, as Postfix's $myhostname: " + seen);
        assertEquals("client.example.net [192.0.2.40]", connect.macros().get("_"), seen::toString);
        assertNull(connect.macros().get("{client_addr}"), () -> "not in Postfix's connect set: " + seen);
        Callback mail = stage(seen, "mail");
        assertEquals("alice@example.net", mail.macros().get("{mail_addr}"), seen::toString);
        assertEquals("example.net", mail.macros().get("{mail_host}"), seen::toString);
        assertEquals("auth-1", mail.macros().get("i"), seen::toString);
        assertEquals("PLAIN", mail.macros().get("{auth_type}"), seen::toString);
        assertEquals("alice", mail.macros().get("{auth_authen}"), seen::toString);
        assertEquals("T-auth-1", mail.macros().get("{taid}"), () -> "define-macros adds MeTA1's taid: " + seen);
        assertEquals("auth-1", stage(seen, "eom").macros().get("i"), seen::toString);

        String override = config.replace("\nlisten ", "\nv2-macros envfrom (i, \"{mail_addr}\");\nlisten ");
        List<Callback> unaware = playAuthenticatedSession(override);
        assertNull(stage(unaware, "mail").macros().get("{auth_authen}"), unaware::toString);
        assertEquals("alice@example.net", stage(unaware, "mail").macros().get("{mail_addr}"), unaware::toString);
        assertNull(stage(unaware, "mail").macros().get("{taid}"), () -> "no define-macros this time: " + unaware);
    }

    @Test
    void aFilterWithMacroListsGetsExactlyWhatItListedMeta1sMacrosIncluded() {
        milter = RecordingMilterPeer.start(false, Map.of("RM_SYMLIST",
                "connect=j {client_addr};mail={auth_authen};eom={msg_id} i"));
        String config = """
                listen %s;
                client lm {
                  url %s;
                  read-timeout 10 seconds;
                }
                """.formatted(Examples.freeListen(), milter.socketSpec());

        List<Callback> seen = playAuthenticatedSession(config);

        Callback connect = stage(seen, "connect");
        assertEquals("mx.example.org", connect.macros().get("j"), seen::toString);
        assertEquals("192.0.2.40", connect.macros().get("{client_addr}"), seen::toString);
        Callback mail = stage(seen, "mail");
        assertEquals("alice", mail.macros().get("{auth_authen}"), seen::toString);
        assertNull(mail.macros().get("{mail_addr}"), () -> "not listed, so not sent: " + seen);
        assertNull(mail.macros().get("{auth_type}"), () -> "not listed, so not sent: " + seen);
        Callback eom = stage(seen, "eom");
        assertEquals("<auth-1@example.net>", eom.macros().get("{msg_id}"), seen::toString);
    }

    /** Plays one session of an SMTP AUTH client through pmult and returns the filter's callbacks for it. */
    private List<Callback> playAuthenticatedSession(String config) {
        int sessionsBefore = milter.records().stream().mapToInt(Callback::session).max().orElse(0);
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config);
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            SessionResult session = SimRuns.playOne(simulator, authenticatedSession());
            assertEquals(SessionEnd.COMPLETED, session.end(), () -> SimRuns.transcript(session) + "\nfilter log:\n"
                    + milter.log());
            assertFromPmult(session, "dot", ReplyCode.ACCEPT, null);
        }
        int session = sessionsBefore + 1;
        return await("the filter's record of session " + session).atMost(Duration.ofSeconds(10))
                .until(() -> milter.records().stream().filter(c -> c.session() == session).toList(),
                        callbacks -> callbacks.stream().anyMatch(c -> c.stage().equals("close")));
    }

    private static SessionScript authenticatedSession() {
        try {
            return SessionScript.builder("auth-1")
                    .macro(Macro.HOSTNAME, "mx.example.org")
                    .client(InetAddress.getByName("192.0.2.40"), 40040, "client.example.net")
                    .ehlo("client.example.net")
                    .macro(Macro.AUTH_TYPE, "PLAIN").macro(Macro.AUTH_AUTHEN, "alice").macro(Macro.TAID, "T-auth-1")
                    .mail("<alice@example.net>").rcpt("<bob@example.org>")
                    .data().message(SimRuns.message("macros", "Which macros does the filter see?"))
                    .macro(Macro.MSGID, "<auth-1@example.net>")
                    .dot().build();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Callback stage(List<Callback> callbacks, String stage) {
        return callbacks.stream().filter(c -> c.stage().equals(stage)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + stage + " callback in " + callbacks));
    }
}
