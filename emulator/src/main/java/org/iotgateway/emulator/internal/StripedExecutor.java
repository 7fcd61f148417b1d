package org.iotgateway.emulator.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks for the same key one after another, in submission order, on one of N single-thread
 * executors; different keys run in parallel. Per-thing serialization without a global lock.
 */
public final class StripedExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(StripedExecutor.class);

    private final ExecutorService[] stripes;

    public StripedExecutor(int count, String namePrefix) {
        stripes = new ExecutorService[Math.max(1, count)];
        for (int i = 0; i < stripes.length; i++) {
            String name = namePrefix + "-" + i;
            stripes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
    }

    private ExecutorService stripe(String key) {
        int h = key.hashCode();
        h ^= (h >>> 16);
        return stripes[Math.floorMod(h, stripes.length)];
    }

    /** Runs the task on the key's stripe; failures are logged, never thrown. */
    public void execute(String key, Runnable task) {
        try {
            stripe(key).execute(() -> {
                try {
                    task.run();
                } catch (Throwable t) {
                    LOG.error("Task for {} failed", key, t);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("Emulator stopping, dropped a task for {}", key);
        }
    }

    /** Runs the call on the key's stripe and completes the future with its result. */
    public <T> CompletableFuture<T> submit(String key, Callable<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            stripe(key).execute(() -> {
                try {
                    f.complete(call.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    public void shutdown() {
        for (ExecutorService s : stripes) {
            s.shutdown();
        }
        for (ExecutorService s : stripes) {
            try {
                if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
                    s.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.shutdownNow();
            }
        }
    }
}
