package org.pmult.sim.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

class ScenarioParserTest {

    private static Scenario parse(String text) throws ScenarioException {
        return ScenarioParser.parse("s.scenario", text, Path.of("."));
    }

    private static String error(String text) {
        return assertThrows(ScenarioException.class, () -> parse(text)).getMessage();
    }

    @Test
    void readsTheDocumentedExample(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("msg.eml"), "Subject: hi\n\nbody\n");
        Path file = directory.resolve("check.scenario");
        Files.writeString(file, """
                # one SMTP session per "session" block
                macro hostname mx.local
                session S1 client 192.0.2.10 port 40001 name mx.example.org
                  macro client_resolve OK
                  expect continue
                  ehlo mail.example.org
                  macro taid T1
                  mail <alice@example.com> SIZE=100 BODY=8BITMIME
                  rcpt <bob@example.net>
                  rcpt <blocked@example.net>
                  expect reject 550*
                  data
                  message-file msg.eml
                  dot
                  expect modification +header X-Foo: *
                  close
                session S2
                  helo old.example
                """);

        Scenario scenario = ScenarioParser.parse(file);

        assertEquals(2, scenario.sessions().size());
        SessionScript s1 = scenario.sessions().get(0);
        assertEquals("S1", s1.name());
        List<SessionStep> steps = s1.steps();
        assertEquals(new SessionStep.SetMacro(2, Macro.HOSTNAME.id(), "mx.local"), steps.get(0));
        assertEquals(new SessionStep.SetMacro(4, Macro.CLIENT_RESOLVE.id(), "OK"), steps.get(1));
        assertEquals(new SessionStep.Connect(3, InetAddress.getByName("192.0.2.10"), 40001, "mx.example.org"),
                steps.get(2));
        assertEquals(new SessionStep.Ehlo(6, HeloKind.EHLO, "mail.example.org"), steps.get(3));
        assertEquals(new SessionStep.SetMacro(7, Macro.TAID.id(), "T1"), steps.get(4));
        assertEquals(new SessionStep.Mail(8, "<alice@example.com>", "SIZE=100 BODY=8BITMIME"), steps.get(5));
        assertEquals(new SessionStep.Rcpt(9, "<bob@example.net>", null), steps.get(6));
        assertEquals(new SessionStep.Data(12), steps.get(8));
        assertArrayEquals("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                ((SessionStep.Message) steps.get(9)).content());
        assertEquals(new SessionStep.Close(16), steps.get(11));
        assertEquals(12, steps.size());

        assertEquals(3, s1.expectations().size());
        Expectation.Verdict connect = (Expectation.Verdict) s1.expectations().get(0);
        assertEquals(2, connect.step());
        assertEquals(ReplyCode.CONTINUE, connect.code());
        assertNull(connect.text());
        Expectation.Verdict blocked = (Expectation.Verdict) s1.expectations().get(1);
        assertEquals(7, blocked.step());
        assertEquals(11, blocked.line());
        assertTrue(blocked.text().matches("550 5.1.1 No such user"));
        assertEquals("expect reject 550*", blocked.describe());
        Expectation.Modification header = (Expectation.Modification) s1.expectations().get(2);
        assertEquals(10, header.step());
        assertTrue(header.pattern().matches("+header X-Foo: bar"));

        SessionScript s2 = scenario.sessions().get(1);
        assertEquals(InetAddress.getLoopbackAddress(), s2.connect().clientAddress());
        assertEquals(new SessionStep.SetMacro(2, Macro.HOSTNAME.id(), "mx.local"), s2.steps().get(0));
        assertEquals(new SessionStep.Ehlo(18, HeloKind.HELO, "old.example"), s2.steps().get(2));
        assertEquals(new SessionStep.Close(18), s2.steps().get(3));
    }

    @Test
    void readsInlineMessagesVerbatimWithDotUnstuffing() throws Exception {
        Scenario scenario = parse("""
                session S1
                  mail <a@b>
                  rcpt <c@d>
                  data
                  message
                Subject: x
                  folded: continuation

                ..leading dot
                # not a comment here
                .
                  dot
                """);

        SessionStep.Message message = (SessionStep.Message) scenario.sessions().get(0).steps().get(4);
        assertEquals("Subject: x\r\n  folded: continuation\r\n\r\n.leading dot\r\n# not a comment here\r\n",
                new String(message.content(), StandardCharsets.UTF_8));
    }

    @Test
    void acceptsMacrosByNumberAndAlias() throws Exception {
        Scenario scenario = parse("session S1\n macro 99 x\n macro cn_subject CN=a\n");
        List<SessionStep> steps = scenario.sessions().get(0).steps();
        assertEquals(new SessionStep.SetMacro(2, 99, "x"), steps.get(0));
        assertEquals(new SessionStep.SetMacro(3, Macro.TLS_CN_SUBJECT.id(), "CN=a"), steps.get(1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ehlo x|s.scenario:1: \"ehlo\" outside a session (expected: \"session NAME …\" first; only macro lines may come before it)",
            "session S1\\n rcpt <a@b>|s.scenario:2: rcpt outside a transaction (expected: after mail or rcpt)",
            "session S1\\n mail <a@b>\\n data|s.scenario:3: data right after mail (expected: after at least one rcpt)",
            "session S1\\n mail <a@b>\\n rcpt <c@d>\\n ehlo x|s.scenario:4: ehlo inside a transaction (expected: dot or abort first)",
            "session S1\\n mail a@b|s.scenario:2: MAIL: \"a@b\" (expected: an address in angle brackets, e.g. <alice@example.com>)",
            "session S1\\n mail <a@b>\\n rcpt <>|s.scenario:3: RCPT: <> (expected: a recipient address)",
            "session S1\\n dot|s.scenario:2: dot outside a transaction (expected: after data)",
            "session S1\\n close\\n expect continue|s.scenario:3: expect after close (expected: after a step that gets a reply)",
            "session S1\\n close\\n ehlo x|s.scenario:3: ehlo after close (expected: close to be the last step)",
            "session S1\\n expect bounce|s.scenario:2: expect \"bounce\" (expected: continue, accept, reject, tempfail, discard, shutdown or modification)",
            "session S1\\n expect modification|s.scenario:2: expect modification without a pattern (expected: e.g. expect modification +header X-Scanned: *)",
            "session S1\\n macro tls_colour red|s.scenario:2: unknown macro \"tls_colour\" (expected: a macro id number or one of hostname, client_resolve, tls_version, tls_cipher_suite, tls_cipher_bits, tls_cert_subject, tls_cert_issuer, tls_alg_bits, tls_vrfy, tls_cn_subject, tls_cn_issuer, auth_type, auth_authen, auth_author, taid, msgid, c)",
            "session S1\\n vrfy bob|s.scenario:2: unknown statement \"vrfy\" (expected: one of session, ehlo, helo, mail, rcpt, data, message, message-file, dot, abort, unknown, close, macro, expect)",
            "session S1 client mx.example.org|s.scenario:1: client \"mx.example.org\" is not an IP address (expected: e.g. 192.0.2.10 or 2001:db8::10)",
            "session S1 port 99999|s.scenario:1: port \"99999\" (expected: 0..65535)",
            "session S1 client|s.scenario:1: \"client\" has no value (expected: client ADDRESS, port N or name HOST)",
            "session S1 colour blue|s.scenario:1: unknown session attribute \"colour\" (expected: client, port or name)",
            "session S1\\nsession S1|s.scenario:2: session name \"S1\" used twice (expected: unique names; they become SEIDs)",
            "session|s.scenario:1: session without a name (expected: session NAME [client ADDRESS] [port N] [name HOST])",
            "# nothing|s.scenario: no session (expected: at least one \"session NAME …\" line)",
            "session S1\\n mail <a@b>\\n rcpt <c@d>\\n data\\n message\\nno end|s.scenario:5: message not ended (expected: a line with a single '.' in column 1)",
            "session S1\\n mail <a@b>\\n rcpt <c@d>\\n data\\n message-file does-not-exist.eml|s.scenario:5: message-file ./does-not-exist.eml: cannot read: java.nio.file.NoSuchFileException: ./does-not-exist.eml",
    })
    void namesTheLineAndTheProblem(String text, String message) {
        assertEquals(message, error(text.replace("\\n", "\n")));
    }

    @Test
    void refusesSessionNamesThatCannotBeSessionIds() {
        assertEquals("s.scenario:1: session name \"" + "x".repeat(49) + "\": 49 bytes (expected: <= 48)",
                error("session " + "x".repeat(49)));
    }
}
