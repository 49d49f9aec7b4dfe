package org.pmult.sim.engine;

import io.netty.bootstrap.Bootstrap;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.client.PmilterClientSettings;
import org.pmult.pmilter.client.PmilterReplyTimeoutException;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * smtps's one connection to the pmilter, shared by every session: opened and negotiated on first use,
 * dropped when a session's failure rule says so (§10.9), and opened afresh by the next session that
 * needs it. Sessions asking while a connection is being opened share that attempt. Thread-safe.
 */
final class PolicyMilterLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyMilterLink.class);

    private final Bootstrap bootstrap;
    private final SocketAddress nettyAddress;
    private final String peer;
    private final PmilterClientSettings clientSettings;
    private final int offeredCaps;
    private final int offeredMaxSessions;

    /** The connection sessions use now, or the attempt to open it; {@code null} before first use and after a drop. */
    private CompletableFuture<LinkConnection> current;
    private int generation;
    private int negotiatedMaxSessions;
    private boolean closed;

    /**
     * @param bootstrap    group and channel class for the pmilter's address
     * @param nettyAddress the address in the form the bootstrap's transport wants
     */
    PolicyMilterLink(Bootstrap bootstrap, SocketAddress nettyAddress, SimulatorSettings settings) {
        this.bootstrap = bootstrap;
        this.nettyAddress = nettyAddress;
        this.peer = settings.policyMilter().describeAddress();
        this.clientSettings = new PmilterClientSettings(settings.connectTimeout(), settings.policyMilter().timeout(),
                settings.maxMessageLength());
        this.offeredCaps = settings.offeredCaps();
        this.offeredMaxSessions = settings.offeredMaxSessions();
    }

    /** The usable connection, opening and negotiating one if there is none. Fails with a {@link LinkException}. */
    synchronized CompletableFuture<LinkConnection> acquire() {
        if (closed) {
            return CompletableFuture.failedFuture(new LinkException(PmilterFailure.CONNECT_FAILED,
                    "pmilter " + peer + ": the simulator is closed", null));
        }
        if (current != null && (!current.isDone() || (!current.isCompletedExceptionally()
                && current.join().connection().isActive()))) {
            return current;
        }
        int attempt = ++generation;
        LOG.debug("pmilter {}: opening connection #{}", peer, attempt);
        current = open(attempt);
        return current;
    }

    /** The latest connection or attempt, without starting one; completes with {@code null} if there is none. */
    synchronized CompletableFuture<LinkConnection> latestAttempt() {
        return current != null ? current : CompletableFuture.completedFuture(null);
    }

    /** Closes {@code link} and forgets it, so the next {@link #acquire()} reconnects. */
    void drop(LinkConnection link) {
        synchronized (this) {
            if (current != null && current.isDone() && !current.isCompletedExceptionally() && current.join() == link) {
                current = null;
            }
        }
        if (link.connection().isActive()) {
            LOG.debug("pmilter {}: dropping connection #{}", peer, link.generation());
        }
        link.connection().close();
    }

    /** MAXSESS from the latest negotiation (0 = no limit, also before the first). */
    synchronized int negotiatedMaxSessions() {
        return negotiatedMaxSessions;
    }

    /** How many connections have been opened (or tried). */
    synchronized int connectionCount() {
        return generation;
    }

    @Override
    public void close() {
        CompletableFuture<LinkConnection> last;
        synchronized (this) {
            closed = true;
            last = current;
            current = null;
        }
        if (last != null) {
            last.thenAccept(link -> link.connection().close());
        }
    }

    private CompletableFuture<LinkConnection> open(int attempt) {
        return PmilterClientConnection.connect(bootstrap, nettyAddress, clientSettings)
                .exceptionally(error -> {
                    throw new CompletionException(new LinkException(PmilterFailure.CONNECT_FAILED,
                            "cannot connect to pmilter " + peer + ": " + rootCause(error).getMessage(), unwrap(error)));
                })
                .thenCompose(connection -> connection.negotiate(offeredCaps, offeredMaxSessions)
                        .handle((reply, error) -> {
                            if (error == null) {
                                String problem = check(reply);
                                if (problem == null) {
                                    return new LinkConnection(connection, reply, attempt);
                                }
                                error = new LinkException(PmilterFailure.PROTOCOL_VIOLATION, problem, null);
                            }
                            connection.close();
                            Throwable cause = unwrap(error);
                            if (cause instanceof LinkException) {
                                throw new CompletionException(cause);
                            }
                            PmilterFailure kind = cause instanceof PmilterReplyTimeoutException
                                    ? PmilterFailure.TIMEOUT : PmilterFailure.CONNECT_FAILED;
                            throw new CompletionException(new LinkException(kind, "pmilter " + peer
                                    + ": negotiation failed: " + cause.getMessage(), cause));
                        }))
                .whenComplete((link, error) -> {
                    if (link != null) {
                        synchronized (this) {
                            negotiatedMaxSessions = link.negotiated().maxSessions();
                        }
                        LOG.debug("pmilter {}: connection #{} negotiated {}", peer, attempt, link.negotiated());
                    }
                });
    }

    private String check(PmilterResponse.NegotiateReply reply) {
        int extra = reply.caps() & ~offeredCaps;
        if (extra != 0) {
            return "pmilter " + peer + ": NEGOTIATE_REPLY asks for " + Capability.describe(extra)
                    + ", which smtps did not offer (offered: " + Capability.describe(offeredCaps) + ")";
        }
        return null;
    }

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public String toString() {
        return "policy milter link to " + peer;
    }
}
