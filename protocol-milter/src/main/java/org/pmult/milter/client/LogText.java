package org.pmult.milter.client;

import io.netty.channel.unix.DomainSocketAddress;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;

/** How the client's log lines and failures spell durations, causes and filter addresses. */
final class LogText {

    private LogText() {
    }

    /** {@code 10s} or {@code 250ms}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The exception's message, or its class name when it has none. */
    static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }

    /** A filter address in the spelling Sendmail and mailfromd use: {@code unix:/path}, {@code inet:port@host}. */
    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String family = inet.getAddress() instanceof Inet6Address ? "inet6:" : "inet:";
            return family + inet.getPort() + "@" + inet.getHostString();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        if (address instanceof DomainSocketAddress unix) {
            return "unix:" + unix.path();
        }
        return String.valueOf(address);
    }
}
