package org.iotgateway.bench;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Times one batch of publishes on one client: from the first publish call to the last completion.
 * <p>
 * With a window {@code W > 0} the caller holds at most {@code W} publishes outstanding (a semaphore of {@code W}
 * permits, taken before each publish and given back when it completes), the same flow control for every client.
 * With {@code W = 0} everything is handed over at once and the client's own queue and window pace it (only
 * {@code IoTConnection} can do that; Paho refuses with "too many publishes in progress").
 */
final class Runner {

    private Runner() {
    }

    /** Outcome of one batch. */
    /**
     * @param cpu CPU nanoseconds of the JVM during the batch, per {@link ThreadCpu} group and {@code "process"}
     */
    record Batch(int messages, long nanos, int failures, Throwable firstFailure, Map<String, Long> cpu) {
        double perSecond() {
            return messages * 1e9 / nanos;
        }

        /**
         * @return CPU microseconds per message of a {@link ThreadCpu} group or the process; for
         *         {@link ThreadCpu#ALLOCATED} bytes, for {@link ThreadCpu#SWITCHES} context switches per message
         */
        double perMessage(String key) {
            double v = cpu.getOrDefault(key, 0L);
            boolean count = key.equals(ThreadCpu.ALLOCATED) || key.equals(ThreadCpu.SWITCHES);
            return (count ? v : v / 1e3) / messages;
        }
    }

    static Batch run(Publisher publisher, String topic, byte[] payload, int qos, int messages, int window,
            long timeoutSeconds) throws Exception {
        Semaphore permits = window > 0 ? new Semaphore(window) : null;
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        long[] end = new long[1];
        CountDownLatch finished = new CountDownLatch(1);
        Publisher.Completion completion = new Publisher.Completion() {
            @Override
            public void done() {
                if (permits != null) {
                    permits.release();
                }
                if (completed.incrementAndGet() == messages) {
                    end[0] = System.nanoTime();
                    finished.countDown();
                }
            }

            @Override
            public void failed(Throwable cause) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, cause);
                done();
            }
        };
        ThreadCpu cpuBefore = ThreadCpu.snapshot();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            if (permits != null && !permits.tryAcquire()) {
                if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new TimeoutException(publisher.label() + ": no completion for " + timeoutSeconds + " s after "
                            + completed.get() + " of " + messages + " publishes" + failureNote(firstFailure.get()));
                }
            }
            publisher.publish(topic, payload, qos, completion);
        }
        if (!finished.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException(publisher.label() + ": only " + completed.get() + " of " + messages
                    + " publishes completed within " + timeoutSeconds + " s" + failureNote(firstFailure.get()));
        }
        Map<String, Long> cpu = ThreadCpu.snapshot().since(cpuBefore);
        return new Batch(messages, end[0] - start, failures.get(), firstFailure.get(), cpu);
    }

    private static String failureNote(Throwable t) {
        return t == null ? "" : " (first failure: " + t + ")";
    }
}
