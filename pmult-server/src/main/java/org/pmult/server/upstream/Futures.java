package org.pmult.server.upstream;

import io.netty.util.concurrent.Future;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Netty future to {@link CompletionStage}, completed on the thread that completed the Netty future. */
final class Futures {

    private Futures() {
    }

    static <T, R> CompletionStage<R> map(Future<T> future, Function<T, R> mapping) {
        CompletableFuture<R> stage = new CompletableFuture<>();
        future.addListener(done -> {
            if (done.isSuccess()) {
                try {
                    stage.complete(mapping.apply(future.getNow()));
                } catch (RuntimeException e) {
                    stage.completeExceptionally(e);
                }
            } else {
                stage.completeExceptionally(done.cause());
            }
        });
        return stage;
    }
}
