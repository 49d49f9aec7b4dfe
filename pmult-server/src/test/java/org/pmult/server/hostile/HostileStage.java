package org.pmult.server.hostile;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.pmult.server.testing.ClosedAtEnd;

import java.util.concurrent.TimeUnit;

/**
 * Where a misbehaviour test plays: two event loops, a {@link HostileMilter} on them, pmult's log
 * lines, and what the test opened (pmult instances, MeTA1 connections), closed newest first before
 * the milter and the event loops.
 */
final class HostileStage implements AutoCloseable {

    final EventLoopGroup group;
    final HostileMilter milter;
    final LogCapture logs;
    private final ClosedAtEnd opened = new ClosedAtEnd();

    private HostileStage() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        milter = HostileMilter.start(group);
        logs = LogCapture.of("org.pmult");
    }

    static HostileStage start() {
        return new HostileStage();
    }

    /** Closes {@code resource} when the test ends, before what was opened earlier. */
    <T extends AutoCloseable> T closeAtEnd(T resource) {
        return opened.add(resource);
    }

    @Override
    public void close() throws Exception {
        opened.close();
        logs.close();
        milter.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
