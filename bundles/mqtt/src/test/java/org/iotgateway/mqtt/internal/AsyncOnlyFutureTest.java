package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AsyncOnlyFutureTest {

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "completions"));

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void noChainedCallbackRunsOnTheCompletingThread() throws Exception {
        List<Function<CompletionStage<String>, CompletionStage<?>>> chains = List.of(
                s -> s.thenApply(v -> record()), s -> s.thenAccept(v -> record()), s -> s.thenRun(this::record),
                s -> s.whenComplete((v, t) -> record()), s -> s.handle((v, t) -> record()),
                s -> s.thenCompose(v -> CompletableFuture.completedFuture(record())),
                s -> s.thenCombine(CompletableFuture.completedFuture(1), (a, b) -> record()),
                s -> s.thenApply(v -> v).thenApply(v -> record()), // the second stage too
                s -> s.toCompletableFuture().thenAccept(v -> record()),
                s -> s.toCompletableFuture().minimalCompletionStage().thenAccept(v -> record()));
        for (Function<CompletionStage<String>, CompletionStage<?>> chain : chains) {
            threads.clear();
            AsyncOnlyFuture<String> f = new AsyncOnlyFuture<>(executor);
            CompletionStage<?> dependent = chain.apply(f);
            Thread completer = new Thread(() -> f.complete("done"), "paho-callback");
            completer.start();
            completer.join();
            dependent.toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(List.of("completions"), threads);
        }
    }

    @Test
    void exceptionalCompletionCallbacksAlsoRunOnTheExecutor() throws Exception {
        AsyncOnlyFuture<String> f = new AsyncOnlyFuture<>(executor);
        CompletableFuture<String> recovered = f.exceptionally(t -> {
            record();
            return "recovered";
        });
        f.completeExceptionally(new IllegalStateException("x"));
        assertEquals("recovered", recovered.get(5, TimeUnit.SECONDS));
        assertEquals(List.of("completions"), threads);
        assertNotEquals(Thread.currentThread().getName(), threads.get(0));
    }

    private final List<String> threads = new CopyOnWriteArrayList<>();

    private String record() {
        threads.add(Thread.currentThread().getName());
        return "x";
    }
}
