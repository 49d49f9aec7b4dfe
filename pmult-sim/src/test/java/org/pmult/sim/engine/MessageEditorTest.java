package org.pmult.sim.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterModification.AddHeader;
import org.pmult.pmilter.codec.PmilterModification.AddRecipient;
import org.pmult.pmilter.codec.PmilterModification.ChangeHeader;
import org.pmult.pmilter.codec.PmilterModification.InsertHeader;
import org.pmult.pmilter.codec.PmilterModification.ReplaceBody;

/** The message smtps delivers after a DOT reply, as docs/pmilter-wire.md says it applies modifications. */
class MessageEditorTest {

    private static final String RECEIVED = "Received: from a\r\n\tby b\r\n"
            + "Subject:\tfolded\r\n continued\r\n"
            + "X-Tag: one\r\n"
            + "x-tag: two\r\n"
            + "\r\n"
            + "body line\r\n";

    @Test
    void noModificationsGiveTheReceivedBytes() {
        assertEquals(RECEIVED, edit(RECEIVED));
    }

    @Test
    void addAppendsAfterTheLastFieldWithTheValueRightAfterTheColon() {
        assertEquals(RECEIVED.replace("x-tag: two\r\n", "x-tag: two\r\nX-Added: v=1;\r\n\tmore\r\n"),
                edit(RECEIVED, new AddHeader("X-Added", " v=1;\r\n\tmore")));
    }

    @Test
    void insertCountsFieldsFromTheTopAndClampsAtTheEnd() {
        assertEquals("DKIM-Signature: sig\r\n" + RECEIVED, edit(RECEIVED, new InsertHeader(0, "DKIM-Signature", " sig")));
        assertEquals(RECEIVED.replace("X-Tag: one", "A: 1\r\nX-Tag: one"), edit(RECEIVED, new InsertHeader(2, "A", " 1")));
        assertEquals(RECEIVED.replace("\r\n\r\n", "\r\nZ: last\r\n\r\n"), edit(RECEIVED, new InsertHeader(99, "Z", " last")));
    }

    @Test
    void changeFindsTheInstanceByNameInAnyCaseKeepsItsNameAndAnEmptyValueDeletes() {
        assertEquals(RECEIVED.replace("x-tag: two", "x-tag: 2"), edit(RECEIVED, new ChangeHeader(2, "X-TAG", " 2")));
        assertEquals(RECEIVED.replace("X-Tag: one\r\n", ""), edit(RECEIVED, new ChangeHeader(1, "x-tag", "")));
        assertEquals(RECEIVED.replace("Subject:\tfolded\r\n continued\r\n", "Subject: new\r\n"),
                edit(RECEIVED, new ChangeHeader(1, "subject", " new")));
    }

    @Test
    void aValueWithoutLeadingSpaceOrWithATabIsWrittenExactly() {
        assertEquals("A:tight\r\nB:\ttab\r\n" + RECEIVED,
                edit(RECEIVED, new InsertHeader(0, "A", "tight"), new InsertHeader(1, "B", "\ttab")));
    }

    @Test
    void changeOfAMissingInstanceChangesNothing() {
        assertEquals(RECEIVED, edit(RECEIVED, new ChangeHeader(3, "X-Tag", " three")));
    }

    @Test
    void modificationsApplyInOrderToTheEditedHeader() {
        assertEquals(RECEIVED.replace("X-Tag: one\r\n", "").replace("x-tag: two", "x-tag: 2"),
                edit(RECEIVED, new ChangeHeader(1, "X-Tag", ""), new ChangeHeader(1, "X-Tag", " 2")));
    }

    @Test
    void replacementPiecesFormTheNewBodyAndEnvelopeChangesLeaveTheMessage() {
        assertEquals(RECEIVED.replace("body line\r\n", "new\r\nbody\r\n"), edit(RECEIVED,
                new ReplaceBody("new\r\n".getBytes(StandardCharsets.US_ASCII)), new AddRecipient("<c@d>"),
                new ReplaceBody("body\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void eightBitBytesOfUnchangedFieldsAndBodyStayAsTheyAre() {
        byte[] received = {'S', ':', ' ', (byte) 0xE9, '\r', '\n', '\r', '\n', (byte) 0xFF, '\r', '\n'};
        byte[] expected = {'A', ':', ' ', 'b', '\r', '\n', 'S', ':', ' ', (byte) 0xE9, '\r', '\n', '\r', '\n',
                (byte) 0xFF, '\r', '\n'};
        assertArrayEquals(expected, MessageEditor.apply(received, List.of(new InsertHeader(0, "A", " b"))));
    }

    @Test
    void eightBitBytesOfAModificationArriveAsTheBytesThePmilterSent() {
        // MOD_VALUE octets 0xC3 0xA9 ("é" in UTF-8) and 0xE9 ("é" in Latin-1), one char per byte
        byte[] received = {'S', ':', ' ', 'x', '\r', '\n', '\r', '\n'};
        byte[] expected = {'S', ':', ' ', (byte) 0xC3, (byte) 0xA9, ' ', (byte) 0xE9, '\r', '\n', '\r', '\n'};
        assertArrayEquals(expected, MessageEditor.apply(received,
                List.of(new ChangeHeader(1, "S", " \u00c3\u00a9 \u00e9"))));
    }

    private static String edit(String received, PmilterModification... modifications) {
        return new String(MessageEditor.apply(received.getBytes(StandardCharsets.ISO_8859_1), List.of(modifications)),
                StandardCharsets.ISO_8859_1);
    }
}
