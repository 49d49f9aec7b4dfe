package org.pmult.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.pmult.server.config.ListenConfig;
import org.pmult.server.config.PmultConfig;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.metrics.ReadinessCheck;
import org.pmult.server.pipeline.ConnectionLimiter;
import org.pmult.server.pipeline.PmilterChannelInitializer;
import org.pmult.server.session.SessionContext;
import org.pmult.server.transport.Transports;
import org.pmult.server.upstream.Upstreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running multiplexer: listens where the configuration says, hands each MeTA1 connection to the
 * pmilter pipeline, and owns the milter clients. {@link #reload} swaps clients and macros without
 * touching live sessions; {@link #shutdown} stops accepting, lets sessions finish up to a grace
 * period, then closes everything.
 */
public final class PmultServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PmultServer.class);
    /** How long startup waits for the first negotiation with every milter before listening anyway. */
    private static final Duration INITIAL_PROBE_WAIT = Duration.ofSeconds(15);

    private final PmultConfig config;
    private final PmultMetrics metrics;
    private final Transports transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ChannelGroup listeners = new DefaultChannelGroup("pmult-listeners", GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup("pmult-connections", GlobalEventExecutor.INSTANCE);
    private final List<Path> unixSockets = new ArrayList<>();
    private final AtomicInteger liveSessions = new AtomicInteger();
    private volatile Upstreams upstreams;
    private volatile boolean stopping;

    private PmultServer(PmultConfig config, PmultMetrics metrics, Transports transport) {
        this.config = config;
        this.metrics = metrics;
        this.transport = transport;
        this.acceptors = transport.newEventLoopGroup(1, new DefaultThreadFactory("pmult-accept", true));
        this.workers = transport.newEventLoopGroup(config.eventLoops().threads(),
                new DefaultThreadFactory("pmult-io", true), config.eventLoops().spin());
    }

    /**
     * Starts pmult: probes the milters (waiting a bounded time so the first MeTA1 negotiation already
     * asks for the right macros), then listens.
     *
     * @throws IOException when a listen socket cannot be bound (the message names it)
     */
    public static PmultServer start(PmultConfig config, PmultMetrics metrics) throws IOException {
        return start(config, metrics, Transports.best());
    }

    public static PmultServer start(PmultConfig config, PmultMetrics metrics, Transports transport) throws IOException {
        PmultServer server = new PmultServer(config, metrics, transport);
        try {
            server.upstreams = Upstreams.create(config, null, transport, server.workers, metrics);
            server.awaitProbes(server.upstreams);
            server.bindAll();
            return server;
        } catch (IOException | RuntimeException e) {
            server.shutdown(Duration.ZERO);
            throw e;
        }
    }

    private void awaitProbes(Upstreams set) {
        try {
            set.probeAll().toCompletableFuture().get(INITIAL_PROBE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("not every milter answered within {} s; listening anyway (their macro needs apply once they negotiate)",
                    INITIAL_PROBE_WAIT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("milter probe failed: {}", e.getCause().toString());
        }
    }

    private void bindAll() throws IOException {
        ConnectionLimiter limiter = new ConnectionLimiter(config.limits().maxConnections());
        SessionContext.SessionListener sessions = new SessionContext.SessionListener() {
            @Override
            public void opened() {
                liveSessions.incrementAndGet();
                metrics.sessionOpened();
            }

            @Override
            public void closed() {
                liveSessions.decrementAndGet();
                metrics.sessionClosed();
            }
        };
        PmilterChannelInitializer initializer = new PmilterChannelInitializer(config.limits(), metrics, () -> upstreams,
                limiter, sessions);
        for (ListenConfig listen : config.listen()) {
            SocketAddress address = listen.endpoint().toSocketAddress();
            boolean unix = listen.endpoint() instanceof SocketEndpoint.Unix;
            if (unix) {
                UnixSocketFiles.prepare(((SocketEndpoint.Unix) listen.endpoint()).path());
            }
            ServerBootstrap bootstrap = transport.serverBootstrap(acceptors, workers, address);
            if (!unix) {
                bootstrap.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
            }
            bootstrap.childHandler(new io.netty.channel.ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    connections.add(ch);
                    ch.pipeline().addLast(initializer);
                }
            });
            Channel listener;
            try {
                listener = bootstrap.bind(transport.nettyAddress(address)).syncUninterruptibly().channel();
            } catch (RuntimeException e) {
                throw new IOException("cannot listen on " + listen.endpoint() + ": " + e.getMessage(), e);
            }
            listeners.add(listener);
            if (unix) {
                Path path = ((SocketEndpoint.Unix) listen.endpoint()).path();
                unixSockets.add(path);
                UnixSocketFiles.applyOptions(path, listen.unixSocket());
            }
            LOG.info("listening for MeTA1 on {} ({}, {} transport)", listen.endpoint(), listen.endpoint().describe(),
                    transport.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Where pmult actually listens (inet ports resolved when 0 was configured). */
    public List<SocketAddress> boundAddresses() {
        List<SocketAddress> bound = new ArrayList<>();
        for (Channel listener : listeners) {
            bound.add(listener.localAddress());
        }
        return bound;
    }

    public int liveSessions() {
        return liveSessions.get();
    }

    /** Every client's readiness (for {@code /ready}). */
    public ReadinessCheck readiness() {
        return () -> upstreams.statuses();
    }

    public Upstreams upstreams() {
        return upstreams;
    }

    /**
     * Replaces the milter clients and macro settings with those of {@code next}; sessions already
     * running keep theirs. Listen sockets, limits, event loops and the shutdown grace need a restart
     * (logged when they differ). Blocking (it probes new clients): call it off the event loops.
     */
    public synchronized void reload(PmultConfig next) {
        if (!next.listen().equals(config.listen()) || !next.limits().equals(config.limits())
                || !next.eventLoops().equals(config.eventLoops()) || !next.shutdownGrace().equals(config.shutdownGrace())) {
            LOG.warn("reload: listen sockets, limits, event loops and shutdown-grace are unchanged until restart");
        }
        Upstreams previous = upstreams;
        Upstreams replacement = Upstreams.create(next, previous, transport, workers, metrics);
        awaitProbes(replacement);
        upstreams = replacement;
        previous.retire(replacement);
        replacement.logPlan();  // the new set's plan may equal the old one; say what is in force
        LOG.info("reload: {} client(s) in force: {}", replacement.clients().size(),
                replacement.clients().stream().map(c -> c.name()).toList());
    }

    /**
     * Stops accepting, waits up to {@code grace} for live sessions to end, then closes every MeTA1
     * connection (ending their sessions and Milter connections) and the event loops.
     */
    public synchronized void shutdown(Duration grace) {
        if (stopping) {
            return;
        }
        stopping = true;
        listeners.close().awaitUninterruptibly();
        unixSockets.forEach(UnixSocketFiles::remove);
        long deadline = System.nanoTime() + grace.toNanos();
        if (liveSessions.get() > 0) {
            LOG.info("shutdown: waiting up to {} s for {} live session(s)", grace.toSeconds(), liveSessions.get());
        }
        while (liveSessions.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50); // waiting on the main thread for in-flight sessions; no event loop blocks here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (liveSessions.get() > 0) {
            LOG.warn("shutdown: closing {} session(s) still live after the grace period", liveSessions.get());
        }
        connections.close().awaitUninterruptibly();
        if (upstreams != null) {
            upstreams.retire(null);
        }
        acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        LOG.info("pmult stopped");
    }

    @Override
    public void close() {
        shutdown(config.shutdownGrace());
    }
}
