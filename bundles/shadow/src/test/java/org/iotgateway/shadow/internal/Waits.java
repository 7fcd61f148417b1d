package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for conditions and stages in tests. */
final class Waits {

    private Waits() {
    }

    static void until(String what, Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + max.toMillis() + " ms waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static <T> void untilEquals(T expected, Duration max, Supplier<T> actual) {
        long deadline = System.nanoTime() + max.toNanos();
        T last = actual.get();
        while (!expected.equals(last)) {
            if (System.nanoTime() > deadline) {
                assertEquals(expected, last, "after " + max.toMillis() + " ms");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            last = actual.get();
        }
    }

    static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("stage not complete within 10 s");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the exception the stage failed with (of the given type) */
    static <E extends Throwable> E failure(Class<E> type, CompletionStage<?> stage) {
        try {
            Object v = stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected " + type.getSimpleName() + ", completed with " + v);
        } catch (ExecutionException e) {
            return assertInstanceOf(type, e.getCause(), "failure " + e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("stage not complete within 10 s");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
