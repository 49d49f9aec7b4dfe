package org.pmult.it;

import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One SMTP session written once and played two ways: as SMTP to an MTA ({@link #playSmtp}) and as
 * the pmilter conversation MeTA1's smtps has with pmult for the same session ({@link #playMeta1}).
 * A recipient the milters refuse is refused on both sides, so the message goes on with the others.
 */
final class SmtpScript {

    private sealed interface Step {
    }

    private record Helo(String name) implements Step {
    }

    private record Mail(String path, String args) implements Step {
    }

    private record Rcpt(String path, String args) implements Step {
    }

    private record Data(byte[] message) implements Step {
    }

    private record Rset() implements Step {
    }

    private record Unknown(String line) implements Step {
    }

    private final String clientAddress;
    private final List<Step> steps = new ArrayList<>();

    private SmtpScript(String clientAddress) {
        this.clientAddress = clientAddress;
    }

    /** A session from {@code clientAddress} (127.0.0.1 or ::1: the MTA sees it as the peer address). */
    static SmtpScript from(String clientAddress) {
        return new SmtpScript(clientAddress);
    }

    SmtpScript ehlo(String name) {
        steps.add(new Helo(name));
        return this;
    }

    SmtpScript mail(String path, String args) {
        steps.add(new Mail(path, args));
        return this;
    }

    SmtpScript rcpt(String path, String args) {
        steps.add(new Rcpt(path, args));
        return this;
    }

    /** The message with CRLF line ends, not dot-stuffed. */
    SmtpScript data(byte[] message) {
        steps.add(new Data(message));
        return this;
    }

    SmtpScript data(String message) {
        return data(message.replaceAll("\r?\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    SmtpScript rset() {
        steps.add(new Rset());
        return this;
    }

    SmtpScript unknown(String line) {
        steps.add(new Unknown(line));
        return this;
    }

    String clientAddress() {
        return clientAddress;
    }

    /** Plays the session as SMTP against an MTA listening on {@code port} of the client's own loopback address. */
    List<String> playSmtp(int port) {
        InetAddress address = address();
        try (SmtpConversation smtp = SmtpConversation.open(address, address, port)) {
            int accepted = 0;
            for (Step step : steps) {
                if (step instanceof Helo helo) {
                    smtp.command("EHLO " + helo.name());
                } else if (step instanceof Mail mail) {
                    accepted = 0;
                    smtp.command("MAIL FROM:" + mail.path() + (mail.args() == null ? "" : " " + mail.args()));
                } else if (step instanceof Rcpt rcpt) {
                    int code = smtp.command("RCPT TO:" + rcpt.path() + (rcpt.args() == null ? "" : " " + rcpt.args()));
                    accepted += code / 100 == 2 ? 1 : 0;
                } else if (step instanceof Data data) {
                    if (accepted > 0) {
                        smtp.data(data.message());
                    }
                } else if (step instanceof Rset) {
                    smtp.command("RSET");
                } else if (step instanceof Unknown unknown) {
                    smtp.command(unknown.line());
                }
            }
            return smtp.transcript();
        }
    }

    /** Plays the same session as smtps would through pmult, on a fresh session {@code seid}. */
    void playMeta1(Meta1Client meta1, String seid, int clientPort) {
        Meta1Client.Session session = meta1.session(seid);
        session.connect(clientAddress, clientPort, "");
        int accepted = 0;
        boolean mailRefused = false;
        for (Step step : steps) {
            if (step instanceof Helo helo) {
                session.helo(helo.name());
            } else if (step instanceof Mail mail) {
                accepted = 0;
                mailRefused = session.mail(mail.path(), mail.args()).code() != ReplyCode.CONTINUE;
            } else if (step instanceof Rcpt rcpt) {
                if (!mailRefused && session.rcpt(rcpt.path(), rcpt.args()).code() == ReplyCode.CONTINUE) {
                    accepted++;
                }
            } else if (step instanceof Data data) {
                if (accepted > 0 && session.data().code() == ReplyCode.CONTINUE
                        && session.message(data.message()).code() == ReplyCode.CONTINUE) {
                    session.dot();
                }
            } else if (step instanceof Rset) {
                session.abort();
            } else if (step instanceof Unknown unknown) {
                session.unknown(unknown.line());
            }
        }
        session.close();
    }

    private InetAddress address() {
        try {
            return InetAddress.getByName(clientAddress);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(clientAddress, e);
        }
    }
}
