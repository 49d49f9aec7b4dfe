package org.pmult.sim.scenario;

import java.io.ByteArrayOutputStream;

/** Brings message content into the form smtps passes on: CRLF line ends, ending with CRLF. */
public final class MessageText {

    private MessageText() {
    }

    /**
     * Turns bare LF into CRLF (CRLF stays as it is) and appends a CRLF if the content does not end
     * with one; empty content stays empty.
     */
    public static byte[] toCrlf(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + content.length / 32 + 2);
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\n' && (i == 0 || content[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(b);
        }
        byte[] result = out.toByteArray();
        int n = result.length;
        if (n == 0 || (n >= 2 && result[n - 2] == '\r' && result[n - 1] == '\n')) {
            return result;
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }
}
