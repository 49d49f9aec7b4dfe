package org.pmult.milter.client;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At most {@code limit} attempts in flight; the rest wait their turn, in order; a shut gate refuses. */
class BoundedConnectGateTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final BoundedConnectGate gate = new BoundedConnectGate(2);

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void admitsUpToTheLimitThenQueuesInArrivalOrder() {
        Future<ConnectGate.Permit> first = gate.acquire(loop);
        Future<ConnectGate.Permit> second = gate.acquire(loop);
        Future<ConnectGate.Permit> third = gate.acquire(loop);
        Future<ConnectGate.Permit> fourth = gate.acquire(loop);

        assertTrue(first.isSuccess() && second.isSuccess());
        assertFalse(third.isDone());
        assertEquals(2, gate.inFlight());
        assertEquals(2, gate.waiting());

        first.getNow().release();
        await().atMost(Duration.ofSeconds(5)).until(third::isSuccess);
        assertFalse(fourth.isDone(), "the fourth waits for the next release");
        first.getNow().release(); // a second release of the same permit changes nothing
        assertFalse(fourth.isDone());
        assertEquals(2, gate.inFlight());

        second.getNow().release();
        await().atMost(Duration.ofSeconds(5)).until(fourth::isSuccess);
        third.getNow().release();
        fourth.getNow().release();
        assertEquals(0, gate.inFlight());
    }

    @Test
    void aWaiterThatGaveUpIsSkipped() {
        Future<ConnectGate.Permit> first = gate.acquire(loop);
        gate.acquire(loop);
        Future<ConnectGate.Permit> gaveUp = gate.acquire(loop);
        Future<ConnectGate.Permit> next = gate.acquire(loop);

        gaveUp.cancel(false);
        first.getNow().release();

        await().atMost(Duration.ofSeconds(5)).until(next::isSuccess);
        assertEquals(2, gate.inFlight());
        assertEquals(0, gate.waiting());
    }

    @Test
    void aShutGateRefusesWaitersAndNewcomersUntilOpened() {
        Future<ConnectGate.Permit> first = gate.acquire(loop);
        gate.acquire(loop);
        Future<ConnectGate.Permit> waiter = gate.acquire(loop);

        gate.shut("milter is down: connection refused");

        await().atMost(Duration.ofSeconds(5)).until(waiter::isDone);
        MilterClientException refused = assertInstanceOf(MilterClientException.class, waiter.cause());
        assertEquals("not connecting: milter is down: connection refused", refused.getMessage());
        assertEquals(MilterFailure.Kind.CONNECT, refused.failure().kind());
        assertInstanceOf(MilterClientException.class, gate.acquire(loop).cause(), "refused at once");

        gate.open();
        first.getNow().release();
        assertTrue(gate.acquire(loop).isSuccess(), "admits again once open");
    }
}
