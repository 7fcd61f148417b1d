package org.iotgateway.mqtt.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on threads of a shared pool. A task that throws
 * is logged and does not stop the ones after it. The backlog is bounded: beyond {@code limit}
 * waiting tasks, {@link #execute(Runnable)} refuses (returns {@code false}) so that one stuck
 * consumer cannot exhaust memory.
 */
final class SerialExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor pool;
    private final String name;
    private final int limit;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SerialExecutor(Executor pool, String name, int limit) {
        this.pool = pool;
        this.name = name;
        this.limit = limit;
    }

    /**
     * @param task the task
     * @return {@code false} if the backlog is full and the task was not accepted
     */
    boolean execute(Runnable task) {
        if (size.incrementAndGet() > limit) {
            size.decrementAndGet();
            return false;
        }
        tasks.add(task);
        schedule();
        return true;
    }

    /** @return tasks waiting or running */
    int backlog() {
        return size.get();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                LOG.debug("{}: pool shut down, {} tasks not run", name, size.get());
            }
        }
    }

    private void drain() {
        try {
            Runnable task;
            int budget = 1024; // yield the pool thread now and then
            while (budget-- > 0 && (task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (Throwable t) {
                    LOG.error("{}: listener threw; delivery continues with the next message", name, t);
                } finally {
                    size.decrementAndGet();
                }
            }
        } finally {
            scheduled.set(false);
            if (!tasks.isEmpty()) {
                schedule();
            }
        }
    }
}
