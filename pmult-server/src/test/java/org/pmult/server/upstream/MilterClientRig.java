package org.pmult.server.upstream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.server.config.Backoff;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.config.ClientConnections;
import org.pmult.server.config.ClientTimeouts;
import org.pmult.milter.client.DefaultAction;
import org.pmult.server.config.SocketEndpoint;
import org.pmult.server.metrics.PmultMetrics;
import org.pmult.server.transport.Transports;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the {@link MilterClient} tests share: event loops, a metrics registry, a scripted milter on
 * a loopback port and a client named {@code mfd} to it with short timeouts and fast probes.
 */
final class MilterClientRig implements AutoCloseable {

    static final Backoff FAST = new Backoff(Duration.ofMillis(20), Duration.ofMillis(20));
    /** The health rule's time in these tests: long enough for a few probes, short enough not to wait. */
    static final Duration DOWN_AFTER = Duration.ofMillis(100);

    final Transports transport = Transports.best();
    final EventLoopGroup group;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final PmultMetrics metrics = new PmultMetrics(registry);
    private ScriptedMilter milter;
    private MilterClient client;

    MilterClientRig(int threads) {
        group = transport.newEventLoopGroup(threads, new DefaultThreadFactory("milter-client-test", true));
    }

    /** Starts the scripted milter on a free loopback port. */
    ScriptedMilter start(ScriptedMilter.Builder builder) {
        return start(builder, group);
    }

    /** Starts the scripted milter on its own event loops, e.g. to outlive the client's. */
    ScriptedMilter start(ScriptedMilter.Builder builder, EventLoopGroup milterGroup) {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        milter = builder.start(transport.serverBootstrap(milterGroup, milterGroup, any), any);
        return milter;
    }

    /** A client of the started milter. */
    MilterClient client(ClientConnections connections, Duration readTimeout) {
        int port = ((InetSocketAddress) milter.localAddress()).getPort();
        return client(SocketEndpoint.parse("inet://127.0.0.1:" + port), connections, readTimeout);
    }

    /** A client of the started milter whose kept connections' probation ends when {@code probation} says. */
    MilterClient client(ClientConnections connections, Duration readTimeout,
                        MilterConnectionPool.ProbationTimer probation) {
        return client(config(url(), connections, readTimeout), FAST, new MilterHealth(DOWN_AFTER), probation);
    }

    MilterClient client(SocketEndpoint url, ClientConnections connections, Duration readTimeout) {
        return client(config(url, connections, readTimeout), FAST);
    }

    /** The configuration of a client named mfd with a 5 s connect timeout. */
    static ClientConfig config(SocketEndpoint url, ClientConnections connections, Duration readTimeout) {
        return new ClientConfig("mfd", url,
                new ClientTimeouts(Duration.ofSeconds(5), readTimeout, Duration.ofSeconds(5), Duration.ofSeconds(5)),
                DefaultAction.TEMPFAIL, connections, Optional.empty(), Map.of());
    }

    /** The scripted milter's address as a client url. */
    SocketEndpoint url() {
        return SocketEndpoint.parse("inet://127.0.0.1:" + ((InetSocketAddress) milter.localAddress()).getPort());
    }

    /** A client with this configuration and probe backoff. */
    MilterClient client(ClientConfig config, Backoff backoff) {
        return client(config, backoff, new MilterHealth(DOWN_AFTER));
    }

    /** A client with this configuration, probe backoff and health rule. */
    MilterClient client(ClientConfig config, Backoff backoff, MilterHealth health) {
        return client(config, backoff, health, MilterConnectionPool.ProbationTimer.AFTER_REUSE_PROBATION);
    }

    private MilterClient client(ClientConfig config, Backoff backoff, MilterHealth health,
                                MilterConnectionPool.ProbationTimer probation) {
        client = new MilterClient(config, Map.of(), transport, group, backoff, metrics,
                MilterCodes.DEFAULT_MAX_FRAME_LENGTH, health, probation);
        return client;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (milter != null) {
            milter.close();
        }
        metrics.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
