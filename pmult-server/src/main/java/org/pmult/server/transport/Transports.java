package org.pmult.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * Picks the Netty transport once: native epoll on Linux when its library loads, NIO otherwise
 * (NIO handles unix-domain sockets too on Java 17). Addresses are plain JDK types —
 * {@link InetSocketAddress} or {@link UnixDomainSocketAddress} — and are converted here to what
 * the chosen transport wants, so no other class needs to know which transport is in use.
 */
public enum Transports {
    EPOLL,
    NIO;

    /** The best transport available in this JVM. */
    public static Transports best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** Forces NIO when {@code preferNative} is false (useful to test the portable path). */
    public static Transports choose(boolean preferNative) {
        return preferNative ? best() : NIO;
    }

    public EventLoopGroup newEventLoopGroup(int threads, ThreadFactory threadFactory) {
        return newEventLoopGroup(threads, threadFactory, Duration.ZERO);
    }

    /**
     * Event loops that poll for up to {@code spin} before they sleep (see {@link SpinThenSleepStrategy});
     * zero: they sleep at once, Netty's default. {@code threads} 0 is Netty's default count.
     */
    public EventLoopGroup newEventLoopGroup(int threads, ThreadFactory threadFactory, Duration spin) {
        SelectStrategyFactory strategy = spin.isZero() ? DefaultSelectStrategyFactory.INSTANCE
                : () -> new SpinThenSleepStrategy(spin.toNanos());
        IoHandlerFactory factory = this == EPOLL
                ? EpollIoHandler.newFactory(0, strategy)
                : NioIoHandler.newFactory(SelectorProvider.provider(), strategy);
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory);
    }

    /** A client bootstrap for {@code address} on {@code group} (which must come from this transport). */
    public Bootstrap clientBootstrap(EventLoopGroup group, SocketAddress address) {
        return new Bootstrap().group(group).channel(clientChannel(address));
    }

    /** A server bootstrap listening on {@code address}. */
    public ServerBootstrap serverBootstrap(EventLoopGroup boss, EventLoopGroup workers, SocketAddress address) {
        return new ServerBootstrap().group(boss, workers).channel(serverChannel(address));
    }

    /** The address object the transport's channels accept for {@code address}. */
    public SocketAddress nettyAddress(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix && this == EPOLL) {
            return new DomainSocketAddress(unix.getPath().toString());
        }
        requireKnown(address);
        return address;
    }

    private Class<? extends Channel> clientChannel(SocketAddress address) {
        boolean unix = isUnix(address);
        return switch (this) {
            case EPOLL -> unix ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
            case NIO -> unix ? NioDomainSocketChannel.class : NioSocketChannel.class;
        };
    }

    private Class<? extends ServerChannel> serverChannel(SocketAddress address) {
        boolean unix = isUnix(address);
        return switch (this) {
            case EPOLL -> unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
            case NIO -> unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
        };
    }

    private static boolean isUnix(SocketAddress address) {
        requireKnown(address);
        return address instanceof UnixDomainSocketAddress || address instanceof DomainSocketAddress;
    }

    private static void requireKnown(SocketAddress address) {
        if (!(address instanceof InetSocketAddress || address instanceof UnixDomainSocketAddress
                || address instanceof DomainSocketAddress)) {
            throw new IllegalArgumentException("unsupported socket address type: " + address.getClass().getName()
                    + " (expected: InetSocketAddress or UnixDomainSocketAddress)");
        }
    }
}
