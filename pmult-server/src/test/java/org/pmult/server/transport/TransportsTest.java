package org.pmult.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Transports.class)
    void echoesOverUnixSocket(Transports transport) throws Exception {
        assertEcho(transport, UnixDomainSocketAddress.of(dir.resolve(transport + ".sock")));
    }

    @ParameterizedTest
    @EnumSource(Transports.class)
    void echoesOverLoopbackTcp(Transports transport) throws Exception {
        assertEcho(transport, new InetSocketAddress("127.0.0.1", 0));
    }

    @ParameterizedTest
    @EnumSource(Transports.class)
    void spinningEventLoopsEchoAndRunTasksAndTimers(Transports transport) throws Exception {
        assertEcho(transport, new InetSocketAddress("127.0.0.1", 0), Duration.ofNanos(50_000));
        if (transport == Transports.EPOLL && Transports.best() != Transports.EPOLL) {
            return;
        }
        EventLoopGroup group = transport.newEventLoopGroup(1, new DefaultThreadFactory("spin-test"), Duration.ofNanos(50_000));
        try {
            // a task from another thread wakes a loop that is spinning or asleep; a timer fires on time
            assertEquals("task", group.submit(() -> "task").get(5, TimeUnit.SECONDS));
            long start = System.nanoTime();
            group.schedule(() -> null, 20, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void assertEcho(Transports transport, SocketAddress address) throws Exception {
        assertEcho(transport, address, Duration.ZERO);
    }

    private static void assertEcho(Transports transport, SocketAddress address, Duration spin) throws Exception {
        if (transport == Transports.EPOLL && Transports.best() != Transports.EPOLL) {
            return; // not Linux: only the portable transport exists here, and it is covered by the NIO case
        }
        EventLoopGroup group = transport.newEventLoopGroup(1, new DefaultThreadFactory("test"), spin);
        try {
            Channel server = transport.serverBootstrap(group, group, address)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    ctx.writeAndFlush(msg.retain());
                                }
                            });
                        }
                    })
                    .bind(transport.nettyAddress(address)).sync().channel();
            SocketAddress bound = address instanceof InetSocketAddress ? server.localAddress() : address;
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Bootstrap client = transport.clientBootstrap(group, address).handler(new SimpleChannelInboundHandler<ByteBuf>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                    echoed.complete(msg.toString(StandardCharsets.US_ASCII));
                }
            });
            Channel ch = client.connect(transport.nettyAddress(bound)).sync().channel();
            ch.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
            assertEquals("ping", echoed.get(5, TimeUnit.SECONDS));
            ch.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
