package org.pmult.server.upstream;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.pmult.milter.client.MilterEndOfMessage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.codec.MilterReply;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.server.config.QuarantineAction;
import org.pmult.server.session.LegVerdict;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Milter end-of-message changes as MeTA1 gets them, one test per kind — including those smtps
 * cannot take as they are (a change of a header instance the message lacks, LF folding, ESMTP
 * arguments, quarantine). The message seen by the milter had two Received fields and one Subject.
 */
class VerdictTranslationTest {

    private final List<QuarantineHandling.Outcome> quarantines = new ArrayList<>();

    @Test
    void addHeaderBecomesAddHdr() {
        assertEquals(List.of(new PmilterModification.AddHeader("X-Spam", "yes")),
                translate(new MilterReply.AddHeader("X-Spam", "yes")).modifications());
    }

    @Test
    void insertHeaderBecomesInsertHdrAtTheSamePosition() {
        assertEquals(List.of(new PmilterModification.InsertHeader(0, "DKIM-Signature", "v=1; a=rsa-sha256")),
                translate(new MilterReply.InsertHeader(0, "DKIM-Signature", "v=1; a=rsa-sha256")).modifications());
    }

    @Test
    void changeHeaderOfAnExistingInstanceBecomesChangeHdr() {
        assertEquals(List.of(new PmilterModification.ChangeHeader(2, "received", "by filter")),
                translate(new MilterReply.ChangeHeader(2, "received", "by filter")).modifications(),
                "header names match whatever their case");
    }

    @Test
    void changeHeaderOfAnInstanceTheMessageLacksAddsTheHeaderAsSendmailDoes() {
        // rspamd's add-header action changes instance 1 of a header that is not there
        assertEquals(List.of(new PmilterModification.AddHeader("X-Spamd-Result", "default: False")),
                translate(new MilterReply.ChangeHeader(1, "X-Spamd-Result", "default: False")).modifications());
        assertEquals(List.of(new PmilterModification.AddHeader("Subject", "[SPAM] hi")),
                translate(new MilterReply.ChangeHeader(2, "Subject", "[SPAM] hi")).modifications());
    }

    @Test
    void changeHeaderCountsTheMiltersOwnAdditionsBeforeIt() {
        assertEquals(List.of(new PmilterModification.AddHeader("X-A", "1"), new PmilterModification.ChangeHeader(1, "X-A", "2")),
                translate(new MilterReply.AddHeader("X-A", "1"), new MilterReply.ChangeHeader(1, "X-A", "2")).modifications());
    }

    @Test
    void deletingAnInstanceTheMessageLacksIsDropped() {
        assertEquals(List.of(), translate(new MilterReply.ChangeHeader(3, "Received", "")).modifications());
        assertEquals(List.of(new PmilterModification.ChangeHeader(1, "Subject", "")),
                translate(new MilterReply.ChangeHeader(1, "Subject", "")).modifications());
    }

    @Test
    void headerValuesFoldedWithBareLineFeedsReachSmtpsWithCrlf() {
        assertEquals(List.of(new PmilterModification.AddHeader("Authentication-Results",
                        "mx.example;\r\n\tdkim=pass header.d=example.org;\r\n\tspf=pass")),
                translate(new MilterReply.AddHeader("Authentication-Results",
                        "mx.example;\n\tdkim=pass header.d=example.org;\n\tspf=pass")).modifications());
    }

    @Test
    void aContinuationLineWithoutLeadingWhitespaceIsIndentedSoItCannotStartAHeader() {
        assertEquals(List.of(new PmilterModification.AddHeader("X-Note", "a\r\n\tBcc: victim@example.org")),
                translate(new MilterReply.AddHeader("X-Note", "a\nBcc: victim@example.org\n")).modifications());
        assertEquals(List.of(new PmilterModification.AddHeader("X-Note", "a\r\n b")),
                translate(new MilterReply.AddHeader("X-Note", "a\r\n b")).modifications(), "CRLF stays");
    }

    @Test
    void addRecipientBecomesAddRcpt() {
        assertEquals(List.of(new PmilterModification.AddRecipient("<archive@example.org>")),
                translate(new MilterReply.AddRcpt("<archive@example.org>")).modifications());
    }

    @Test
    void addRecipientWithEsmtpArgumentsBecomesAddRcptWithoutThem() {
        assertEquals(List.of(new PmilterModification.AddRecipient("<archive@example.org>")),
                translate(new MilterReply.AddRcptWithArgs("<archive@example.org>", "NOTIFY=NEVER")).modifications());
    }

    @Test
    void deleteRecipientBecomesDelRcpt() {
        assertEquals(List.of(new PmilterModification.DeleteRecipient("<bob@example.org>")),
                translate(new MilterReply.DeleteRcpt("<bob@example.org>")).modifications());
    }

    @Test
    void changeFromBecomesChangeMailWithoutEsmtpArguments() {
        assertEquals(List.of(new PmilterModification.ChangeSender("<bounces@example.org>")),
                translate(new MilterReply.ChangeFrom("<bounces@example.org>", "RET=HDRS")).modifications());
    }

    @Test
    void replaceBodyBecomesReplaceBodyInPiecesOfAtMostOneChunk() {
        byte[] body = new byte[PmilterCodes.MAX_CHUNK_LENGTH + 10];
        Arrays.fill(body, (byte) 'x');
        List<PmilterModification> out = translate(new MilterReply.ReplaceBody(Unpooled.wrappedBuffer(body))).modifications();

        assertEquals(2, out.size());
        assertEquals(PmilterCodes.MAX_CHUNK_LENGTH, assertInstanceOf(PmilterModification.ReplaceBody.class, out.get(0)).body().length);
        assertArrayEquals("xxxxxxxxxx".getBytes(StandardCharsets.US_ASCII),
                assertInstanceOf(PmilterModification.ReplaceBody.class, out.get(1)).body());
    }

    @Test
    void quarantineTempfailsByDefaultAndDropsTheChanges() {
        LegVerdict verdict = translate(QuarantineAction.TEMPFAIL, MilterVerdict.CONTINUE,
                new MilterReply.AddHeader("X-Spam", "yes"), new MilterReply.Quarantine("virus found"));

        assertEquals(new LegVerdict(LegVerdict.Kind.TEMPFAIL, QuarantineHandling.TEMPFAIL_TEXT, List.of(), false), verdict);
        assertEquals(List.of(QuarantineHandling.Outcome.TEMPFAIL), quarantines);
    }

    @Test
    void quarantineAsConfiguredRejectsDiscardsOrDelivers() {
        assertEquals(LegVerdict.Kind.REJECT, translate(QuarantineAction.REJECT, MilterVerdict.ACCEPT,
                new MilterReply.Quarantine("r")).kind());
        assertEquals(LegVerdict.Kind.DISCARD, translate(QuarantineAction.DISCARD, MilterVerdict.CONTINUE,
                new MilterReply.Quarantine("r")).kind());
        LegVerdict delivered = translate(QuarantineAction.ACCEPT, MilterVerdict.CONTINUE,
                new MilterReply.Quarantine("r"), new MilterReply.AddHeader("X-Q", "1"));
        assertEquals(LegVerdict.Kind.CONTINUE, delivered.kind());
        assertEquals(List.of(new PmilterModification.AddHeader("X-Q", "1")), delivered.modifications());
        assertEquals(List.of(QuarantineHandling.Outcome.REJECT, QuarantineHandling.Outcome.DISCARD,
                QuarantineHandling.Outcome.ACCEPT), quarantines);
    }

    @Test
    void quarantineWithTheMiltersOwnRejectLeavesTheReject() {
        LegVerdict verdict = translate(QuarantineAction.ACCEPT, MilterVerdict.REJECT, new MilterReply.Quarantine("r"));

        assertEquals(LegVerdict.Kind.REJECT, verdict.kind());
        assertEquals(List.of(QuarantineHandling.Outcome.SUPERSEDED), quarantines);
    }

    // ---------------------------------------------------------------- helpers

    private LegVerdict translate(MilterReply.Modification... changes) {
        return translate(QuarantineAction.TEMPFAIL, MilterVerdict.CONTINUE, changes);
    }

    private LegVerdict translate(QuarantineAction action, MilterVerdict verdict, MilterReply.Modification... changes) {
        HeaderInstances seen = new HeaderInstances();
        seen.seen("Received");
        seen.seen("Received");
        seen.seen("Subject");
        return VerdictTranslation.of(new MilterEndOfMessage(verdict, List.of(changes)),
                new VerdictTranslation.Context("rspamd", action, quarantines::add, seen));
    }
}
