package org.pmult.sim.load;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.sim.scenario.SessionScript;

/**
 * What every load session does: connect, EHLO, MAIL, {@code recipients} RCPTs, DATA, the message,
 * end of message, close. The same envelope in both modes, so pmult and the direct baseline move the
 * same bytes to the milter.
 *
 * @param recipients 1..{@value #MAX_RECIPIENTS}
 */
public record LoadTransaction(int recipients, LoadMessage message) {

    public static final int MAX_RECIPIENTS = 100;
    public static final String CLIENT_NAME = "client.example.org";
    public static final int CLIENT_PORT = 40_000;
    public static final String HELO = "client.example.org";
    public static final String SENDER = "<sender@example.com>";
    public static final String MTA_HOSTNAME = "mx.example.org";
    public static final String TRANSACTION_ID = "L0000001";
    public static final InetAddress CLIENT_ADDRESS = clientAddress();

    public LoadTransaction {
        if (recipients < 1 || recipients > MAX_RECIPIENTS) {
            throw new IllegalArgumentException("recipients: " + recipients + " (expected: 1.." + MAX_RECIPIENTS + ")");
        }
        if (message == null) {
            throw new NullPointerException("message");
        }
    }

    /** The forward path of recipient {@code index} (0-based): {@code <rcptN@example.net>}, N from 1. */
    public static String recipient(int index) {
        return "<rcpt" + (index + 1) + "@example.net>";
    }

    /** The session as the MeTA1 simulator plays it (the name is replaced by a SEID per run). */
    public SessionScript script() {
        SessionScript.Builder builder = SessionScript.builder("load")
                .macro(Macro.HOSTNAME, MTA_HOSTNAME)
                .macro(Macro.TAID, TRANSACTION_ID)
                .client(CLIENT_ADDRESS, CLIENT_PORT, CLIENT_NAME)
                .ehlo(HELO)
                .mail(SENDER);
        for (int i = 0; i < recipients; i++) {
            builder.rcpt(recipient(i));
        }
        return builder.data().message(message.content()).dot().close().build();
    }

    private static InetAddress clientAddress() {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 10});
        } catch (UnknownHostException e) {
            throw new AssertionError("a literal IPv4 address", e);
        }
    }
}
