package org.iotgateway.shadow.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: the order of a shadow's events and
 * completions without a thread per shadow. A task that throws is logged; the next one runs.
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor pool;
    private final String name;
    private final int capacity;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;
    private long dropped;

    /**
     * @param pool     the threads
     * @param name     for log messages
     * @param capacity tasks waiting at most; beyond it new tasks are dropped and logged
     */
    SerialExecutor(Executor pool, String name, int capacity) {
        this.pool = pool;
        this.name = name;
        this.capacity = capacity;
    }

    @Override
    public void execute(Runnable task) {
        submit(task);
    }

    /** @return false if the task was dropped (backlog full or pool shut down) */
    boolean submit(Runnable task) {
        long n;
        synchronized (tasks) {
            if (tasks.size() < capacity) {
                tasks.add(task);
                if (running) {
                    return true;
                }
                running = true;
                n = -1;
            } else {
                n = ++dropped;
            }
        }
        if (n >= 0) {
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("{}: {} tasks waiting, the listener is not keeping up; {} dropped so far", name, capacity, n);
            }
            return false;
        }
        try {
            pool.execute(this::drain);
            return true;
        } catch (RejectedExecutionException e) {
            // the pool is shut down (the engine is closing): run here rather than leave a stage incomplete
            LOG.debug("{}: pool shut down, running the remaining tasks on the calling thread", name);
            drain();
            return true;
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (Throwable e) { // listener code must not stop the queue (test assertions are Errors)
                LOG.error("{}: a task threw", name, e);
            }
        }
    }
}
