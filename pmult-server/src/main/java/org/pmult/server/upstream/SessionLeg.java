package org.pmult.server.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import org.pmult.milter.client.LogContext;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterClientState;
import org.pmult.milter.client.MilterFailure;
import org.pmult.milter.client.MilterStage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.server.session.ClientAddress;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.session.MilterLeg;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A session's leg to one client ({@link MilterFarm}): at CONNECT it takes a Milter connection on the
 * session's event loop from the instance the balancer picks, failing over to the next instance while
 * one cannot be connected and the client's connect timeout has not passed (while every instance is
 * down it answers every step with the client's default action without trying); it maps each
 * Milter verdict to a {@link LegVerdict}, counts the default action once when the milter fails this
 * session, and hands the connection back at the end.
 */
final class SessionLeg implements MilterLeg {

    private static final Logger LOG = LoggerFactory.getLogger(SessionLeg.class);

    private final MilterFarm farm;
    private final EventLoop eventLoop;
    /** The instance this session runs on; null until CONNECT, and for ever when none could be used. */
    private MilterClient client;
    private int instance = -1;
    /** Null until CONNECT, and for ever when every instance was down at CONNECT. */
    private MilterClientSession session;
    private boolean defaultActionCounted;
    /** The current message's header fields as passed to this milter, for its CHGHEADER replies. */
    private final HeaderInstances headers = new HeaderInstances();
    private LogContext logContext = LogContext.NONE;

    SessionLeg(MilterFarm farm, EventLoop eventLoop) {
        this.farm = farm;
        this.eventLoop = eventLoop;
    }

    @Override
    public String clientName() {
        return farm.name();
    }

    @Override
    public void logContext(LogContext context) {
        this.logContext = context;
    }

    @Override
    public CompletionStage<LegVerdict> connect(MilterMacros macros, String hostname, InetAddress address, int port) {
        long deadline = System.nanoTime() + farm.config().timeouts().connect().toNanos();
        return connectTo(farm.candidates(), 0, deadline, macros, hostname, address, port);
    }

    /** Connects the session to candidate {@code next}; on a connect failure, to the one after it while time is left. */
    private CompletionStage<LegVerdict> connectTo(List<Integer> candidates, int next, long deadline, MilterMacros macros,
                                                  String hostname, InetAddress address, int port) {
        while (next < candidates.size()) {
            int index = candidates.get(next);
            MilterClient candidate = farm.instance(index);
            MilterClientSession opened = candidate.open(eventLoop);
            if (opened != null) {
                client = candidate;
                instance = index;
                session = opened;
                session.logContext(logContext);
                farm.taken(index);
                int after = next + 1;
                return connectSession(macros, hostname, address, port).thenCompose(verdict -> {
                    if (verdict instanceof MilterVerdict.DefaultActionApplied applied && neverStarted(applied.failure())
                            && after < candidates.size() && System.nanoTime() - deadline < 0) {
                        candidate.release(session);
                        farm.released(index, true);
                        session = null;
                        client = null;
                        instance = -1;
                        return connectTo(candidates, after, deadline, macros, hostname, address, port);
                    }
                    return CompletableFuture.completedFuture(translate(verdict));
                });
            }
            next++; // went down since the candidates were chosen
        }
        farm.countDefaultAction();
        defaultActionCounted = true;
        return down();
    }

    /** The milter saw nothing of the session: it could not be connected, or the negotiation failed. */
    private static boolean neverStarted(MilterFailure failure) {
        return failure.kind() == MilterFailure.Kind.CONNECT || failure.stage() == MilterStage.NEGOTIATE;
    }

    /** CONNECT on {@link #session}, connecting anew once if the idle connection it got was closed under it. */
    private CompletionStage<MilterVerdict> connectSession(MilterMacros macros, String hostname, InetAddress address, int port) {
        InetAddress smtpClient = ClientAddress.unmapped(address);
        AddressFamily family = smtpClient instanceof Inet6Address ? AddressFamily.INET6 : AddressFamily.INET;
        String clientAddress = ClientAddress.text(smtpClient);
        if (session.state() != MilterClientState.READY) {
            return Futures.map(session.connect(macros, hostname, family, port, clientAddress), verdict -> verdict);
        }
        // An idle connection (spare or kept) the milter closed just now, before pmult noticed, or a
        // kept one whose filter dropped SMFIC_QUIT_NC and this CONNECT: this session gets a new
        // connection instead of the default action.
        MilterClientSession idle = session;
        return Futures.map(session.connect(macros, hostname, family, port, clientAddress), verdict -> verdict)
                .thenCompose(verdict -> {
                    if (verdict instanceof MilterVerdict.DefaultActionApplied applied
                            && unusableIdleConnection(applied.failure(), idle)) {
                        LOG.info("milter \"{}\": the idle connection a session took did not serve it ({}); connecting anew",
                                client.name(), applied.failure().message());
                        session = client.openNew(eventLoop);
                        session.logContext(logContext);
                        return Futures.map(session.connect(macros, hostname, family, port, clientAddress), again -> again);
                    }
                    return CompletableFuture.completedFuture(verdict);
                });
    }

    /** Closed before it answered CONNECT, or (kept after SMFIC_QUIT_NC) silent for half the read timeout. */
    private static boolean unusableIdleConnection(MilterFailure failure, MilterClientSession idle) {
        return failure.stage() == MilterStage.CONNECT && (failure.kind() == MilterFailure.Kind.CLOSED
                || (failure.kind() == MilterFailure.Kind.TIMEOUT && idle.reused()));
    }

    @Override
    public CompletionStage<LegVerdict> helo(MilterMacros macros, String helo) {
        return session == null ? down() : verdict(session.helo(macros, helo));
    }

    @Override
    public CompletionStage<LegVerdict> mail(MilterMacros macros, String sender, String esmtpArgs) {
        headers.reset();
        return session == null ? down() : verdict(session.mail(macros, sender, arguments(esmtpArgs)));
    }

    @Override
    public CompletionStage<LegVerdict> rcpt(MilterMacros macros, String recipient, String esmtpArgs) {
        return session == null ? down() : verdict(session.rcpt(macros, recipient, arguments(esmtpArgs)));
    }

    @Override
    public CompletionStage<LegVerdict> data(MilterMacros macros) {
        return session == null ? down() : verdict(session.data(macros));
    }

    @Override
    public CompletionStage<LegVerdict> header(MilterMacros macros, String name, String value) {
        headers.seen(name);
        return session == null ? down() : verdict(session.header(macros, name, value));
    }

    @Override
    public CompletionStage<LegVerdict> endOfHeaders(MilterMacros macros) {
        return session == null ? down() : verdict(session.endOfHeaders(macros));
    }

    @Override
    public CompletionStage<LegVerdict> body(MilterMacros macros, ByteBuf chunk) {
        if (session == null) {
            chunk.release();
            return down();
        }
        return verdict(session.body(macros, chunk));
    }

    @Override
    public CompletionStage<LegVerdict> endOfMessage(MilterMacros macros) {
        if (session == null) {
            return down();
        }
        return Futures.map(session.endOfMessage(macros), end -> {
            countIfDefault(end.verdict());
            return VerdictTranslation.of(end, new VerdictTranslation.Context(farm.name(),
                    farm.config().quarantineAction(), farm::countQuarantine, headers));
        });
    }

    @Override
    public CompletionStage<LegVerdict> unknown(String commandLine) {
        return session == null ? down() : verdict(session.unknown(MilterMacros.EMPTY, commandLine));
    }

    @Override
    public void abort() {
        if (session != null) {
            session.abort();
        }
    }

    @Override
    public void close() {
        if (session != null) {
            client.release(session);
            farm.released(instance, false);
            session = null;
        }
    }

    private CompletionStage<LegVerdict> verdict(io.netty.util.concurrent.Future<MilterVerdict> future) {
        return Futures.map(future, this::translate);
    }

    /** The leg's verdict for a Milter verdict, counting the default action the first time it is applied. */
    private LegVerdict translate(MilterVerdict verdict) {
        countIfDefault(verdict);
        return VerdictTranslation.of(verdict);
    }

    private void countIfDefault(MilterVerdict verdict) {
        if (verdict.isDefaultAction() && !defaultActionCounted) {
            defaultActionCounted = true;
            farm.countDefaultAction();
        }
    }

    private CompletionStage<LegVerdict> down() {
        return CompletableFuture.completedFuture(farm.downVerdict());
    }

    /** ESMTP parameters as the Milter MAIL/RCPT argument list wants them: one string each. */
    private static List<String> arguments(String esmtpArgs) {
        if (esmtpArgs == null || esmtpArgs.isBlank()) {
            return List.of();
        }
        return List.of(esmtpArgs.strip().split(" +"));
    }
}
