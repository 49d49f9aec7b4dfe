package org.pmult.server.session;

import io.netty.buffer.ByteBuf;
import org.pmult.milter.client.LogContext;
import org.pmult.milter.codec.MilterMacros;

import java.net.InetAddress;
import java.util.concurrent.CompletionStage;

/**
 * One SMTP session's conversation with one milter, as {@link MultiplexSession} sees it: one method
 * per Milter step, each answered with a {@link LegVerdict}. A leg never fails its stages: a milter
 * that is down, slow or broken answers with its client's default action. Called on the session's
 * event loop only.
 */
public interface MilterLeg {

    /** The configured client's name, for logs and metrics. */
    String clientName();

    /**
     * The session's log context, given once before {@link #connect}: the milter connection's own log
     * lines (its timeouts, default actions, protocol errors) carry it while it serves this session.
     */
    default void logContext(LogContext context) {
    }

    CompletionStage<LegVerdict> connect(MilterMacros macros, String hostname, InetAddress address, int port);

    CompletionStage<LegVerdict> helo(MilterMacros macros, String helo);

    CompletionStage<LegVerdict> mail(MilterMacros macros, String sender, String esmtpArgs);

    CompletionStage<LegVerdict> rcpt(MilterMacros macros, String recipient, String esmtpArgs);

    CompletionStage<LegVerdict> data(MilterMacros macros);

    /** {@code macros}: the end-of-headers macros, sent before every header as Postfix does. */
    CompletionStage<LegVerdict> header(MilterMacros macros, String name, String value);

    CompletionStage<LegVerdict> endOfHeaders(MilterMacros macros);

    /**
     * Takes ownership of {@code chunk} (at most 65,535 bytes); {@code macros}: the end-of-message macros,
     * sent before every body chunk as Postfix does.
     */
    CompletionStage<LegVerdict> body(MilterMacros macros, ByteBuf chunk);

    /** End of message: the verdict carries the milter's modifications. */
    CompletionStage<LegVerdict> endOfMessage(MilterMacros macros);

    CompletionStage<LegVerdict> unknown(String commandLine);

    /** Forget the current message; the session goes on. No reply. */
    void abort();

    /** The SMTP session is over: quit and release the milter connection. */
    void close();
}
