package org.pmult.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.sim.engine.CommandResult;
import org.pmult.sim.engine.Meta1Simulator;
import org.pmult.sim.engine.MessageEditor;
import org.pmult.sim.engine.SessionResult;
import org.pmult.sim.meta1.FailurePolicy;
import org.pmult.sim.scenario.MessageText;
import org.pmult.sim.scenario.SessionScript;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pmult.it.SimRuns.assertFromPmult;
import static org.pmult.it.SimRuns.transcript;

/**
 * The usual pairing behind pmult, with the settings of {@code docs/examples/with-rspamd-and-opendkim.conf}:
 * rspamd scans, then opendkim signs. A clean message from a signing client comes back with rspamd's
 * headers and opendkim's signature, and the message smtps would deliver verifies; rspamd's reject
 * stands whatever opendkim answers.
 */
class RspamdOpendkimIT {

    private static final Duration SIM_TIMEOUT = Duration.ofSeconds(40);

    private static RspamdPeer rspamd;
    private static OpendkimPeer signer;
    private static DkimKey key;

    @TempDir
    Path dir;

    @BeforeAll
    static void startMilters() throws IOException {
        key = DkimKey.forOpendkimTests();
        signer = OpendkimPeer.signer(key, "relaxed/relaxed");
        rspamd = RspamdPeer.shared();
    }

    @AfterAll
    static void stopMilters() {
        try {
            if (signer != null) {
                signer.close();
            }
        } finally {
            if (key != null) {
                key.close();
            }
        }
    }

    @Test
    void cleanMailGetsRspamdsHeadersAndASignatureThatVerifies() {
        byte[] message = MessageText.toCrlf("""
                From: alice@example.org
                To: bob@example.net
                Subject: Minutes of today's meeting
                Message-ID: <pairing@example.org>

                Attached are the minutes.
                """.getBytes(StandardCharsets.US_ASCII));
        SessionResult session = play(session("pair-clean", message));

        CommandResult dot = session.byRequest("dot");
        assertTrue(dot.fromPmilter(), () -> transcript(session));
        List<String> described = dot.describedModifications();
        assertTrue(described.stream().anyMatch(m -> m.contains(" X-Spamd-Result: ")), () -> transcript(session));
        assertTrue(described.stream().anyMatch(m -> m.contains(" DKIM-Signature: ")), () -> transcript(session));

        byte[] delivered = MessageEditor.apply(message, dot.modifications());
        key.assertVerifiesStandalone(delivered, "the message smtps would deliver");
        key.assertVerifiesWithDkimpy(delivered, "the message smtps would deliver");
    }

    @Test
    void rspamdsRejectStandsWhateverOpendkimSays() {
        byte[] message = MessageText.toCrlf(("From: alice@example.org\nTo: bob@example.net\nSubject: spam\n\n"
                + RspamdIT.GTUBE + "\n").getBytes(StandardCharsets.US_ASCII));
        SessionResult session = play(session("pair-gtube", message));

        assertFromPmult(session, "dot", ReplyCode.REJECT, RspamdPeer.GTUBE_REJECT);
        assertEquals(List.of(), session.byRequest("dot").modifications(), () -> transcript(session));
    }

    private SessionResult play(SessionScript script) {
        String config = Examples.load("with-rspamd-and-opendkim.conf", Map.of(
                "inet://127.0.0.1:3333", Examples.freeListen(),
                "inet:11332@127.0.0.1", rspamd.socketSpec(),
                "inet:8891@127.0.0.1", signer.socketSpec()));
        try (PmultHarness pmult = PmultHarness.start(dir, "pmult.conf", config);
             Meta1Simulator simulator = SimRuns.simulator(pmult, FailurePolicy.ABORT, SIM_TIMEOUT)) {
            return SimRuns.playOne(simulator, script);
        }
    }

    private static SessionScript session(String name, byte[] message) {
        try {
            return SessionScript.builder(name)
                    .client(InetAddress.getByName(OpendkimPeer.SIGNING_CLIENT), 40003, "client.example.org")
                    .ehlo("client.example.org").mail("<alice@example.org>").rcpt("<bob@example.net>")
                    .data().message(message).dot().build();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
