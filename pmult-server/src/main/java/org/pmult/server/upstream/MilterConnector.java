package org.pmult.server.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import org.pmult.milter.client.ConnectBackoff;
import org.pmult.milter.client.ConnectGate;
import org.pmult.milter.client.DefaultAction;
import org.pmult.milter.client.MilterClientObserver;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterClientSettings;
import org.pmult.server.config.ClientConfig;
import org.pmult.server.metrics.ByteCountingHandler;
import org.pmult.server.transport.Transports;

import java.net.SocketAddress;

/**
 * Opens Milter connections to one milter: the session settings from its configuration, a bootstrap
 * on the caller's event loop whose channels count their bytes, and the settings of a probe (one
 * attempt, outside the connect gate, reporting to its own observer). Thread-safe.
 */
final class MilterConnector {

    private final Transports transport;
    private final SocketAddress address;
    /** Counts every Milter connection's bytes as {@code side="milter"} traffic. */
    private final ByteCountingHandler byteCounter;
    private final MilterClientSettings settings;
    /** As {@link #settings}, but reporting to the probe observer: a probe serves no session. */
    private final MilterClientSettings probeSettings;

    /**
     * @param gate    admits the connection attempts of sessions and spares
     * @param retries whether a transient connect failure is tried again within the connect timeout
     */
    MilterConnector(ClientConfig config, Transports transport, ByteCountingHandler byteCounter, int maxFrameLength,
                    DefaultAction action, ConnectGate gate, boolean retries, MilterClientObserver sessionObserver,
                    MilterClientObserver probeObserver) {
        this.transport = transport;
        this.address = transport.nettyAddress(config.url().toSocketAddress());
        this.byteCounter = byteCounter;
        this.settings = MilterClientSettings.builder(config.name())
                .connectTimeout(config.timeouts().connect())
                .readTimeout(config.timeouts().read())
                .writeTimeout(config.timeouts().write())
                .eomTimeout(config.timeouts().eom())
                .maxFrameLength(maxFrameLength)
                .defaultAction(action)
                .observer(sessionObserver)
                .connectGate(gate)
                .connectBackoff(retries ? ConnectBackoff.DEFAULT : ConnectBackoff.NONE)
                .build();
        // a probe is one attempt, outside the gate: it must get through while the gate is shut
        this.probeSettings = settings.toBuilder().observer(probeObserver)
                .connectGate(ConnectGate.UNLIMITED).connectBackoff(ConnectBackoff.NONE).build();
    }

    /** A new connection on {@code loop} for a session or a spare. */
    MilterClientSession open(EventLoop loop) {
        return MilterClientSession.open(bootstrap(loop), address, settings);
    }

    /** A probe connection on {@code loop}: it negotiates, and the caller closes it. */
    MilterClientSession openProbe(EventLoop loop) {
        return MilterClientSession.open(bootstrap(loop), address, probeSettings);
    }

    /**
     * A bootstrap for one connection to the milter on {@code loop}. The session installs its own
     * pipeline, so the byte counter goes in as each channel is created, ahead of everything else.
     */
    private Bootstrap bootstrap(EventLoop loop) {
        io.netty.bootstrap.ChannelFactory<? extends Channel> plain =
                transport.clientBootstrap(loop, address).config().channelFactory();
        return new Bootstrap().group(loop).channelFactory((ChannelFactory<Channel>) () -> {
            Channel channel = plain.newChannel();
            channel.pipeline().addFirst("bytes", byteCounter);
            return channel;
        });
    }
}
