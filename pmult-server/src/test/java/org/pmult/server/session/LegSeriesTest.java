package org.pmult.server.session;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;
import org.pmult.milter.client.LogContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Legs are asked one after another; the first that decides ends the walk. */
class LegSeriesTest {

    @Test
    void asksTheNextLegOnlyAfterThePreviousOneAnsweredAndStopsAtTheFirstRefusal() throws Exception {
        List<Integer> asked = new ArrayList<>();
        List<CompletableFuture<LegVerdict>> answers = List.of(new CompletableFuture<>(), new CompletableFuture<>(),
                new CompletableFuture<>());
        EventLoop loop = new DefaultEventLoop();
        try {
            CompletableFuture<LegVerdict[]> result = loop.submit(() -> LegSeries.run(3, leg -> true, leg -> {
                asked.add(leg);
                return answers.get(leg);
            }, loop, LogContext.NONE, (leg, error) -> { }).toCompletableFuture()).get(1, TimeUnit.SECONDS);
            loop.submit(() -> { }).get(1, TimeUnit.SECONDS);
            assertEquals(List.of(0), loop.submit(() -> List.copyOf(asked)).get(1, TimeUnit.SECONDS));
            answers.get(0).complete(LegVerdict.ACCEPT); // completed off the loop: the walk hops back
            answers.get(1).complete(LegVerdict.of(LegVerdict.Kind.REJECT));
            LegVerdict[] verdicts = result.get(1, TimeUnit.SECONDS);
            assertArrayEquals(new LegVerdict[] {LegVerdict.ACCEPT, LegVerdict.of(LegVerdict.Kind.REJECT), null}, verdicts);
            assertEquals(List.of(0, 1), loop.submit(() -> List.copyOf(asked)).get(1, TimeUnit.SECONDS));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void skipsLegsThatNoLongerTakePartAndTreatsAFailingLegAsAContinueDefault() throws Exception {
        List<Integer> failed = new ArrayList<>();
        CompletionStage<LegVerdict[]> result = LegSeries.run(3, leg -> leg != 0, leg -> leg == 1
                        ? CompletableFuture.failedFuture(new IllegalStateException("bug")) : CompletableFuture.completedFuture(LegVerdict.CONTINUE),
                ImmediateEventExecutor.INSTANCE, LogContext.NONE, (leg, error) -> failed.add(leg));
        LegVerdict[] verdicts = result.toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertArrayEquals(new LegVerdict[] {null, LegSeries.FAILED_LEG, LegVerdict.CONTINUE}, verdicts);
        assertEquals(List.of(1), failed);
        assertTrue(LegSeries.FAILED_LEG.defaultAction());
    }
}
