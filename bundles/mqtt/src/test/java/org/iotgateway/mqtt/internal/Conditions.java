package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;

/** Bounded waiting and message collection for tests. */
final class Conditions {

    private Conditions() {
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what + " " + detail.get());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** A listener that collects what it receives. */
    static final class Collector implements MessageListener {
        final BlockingQueue<IoTMessage> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> arrivalNanos = new LinkedBlockingQueue<>();

        @Override
        public void messageArrived(IoTMessage message) {
            arrivalNanos.add(System.nanoTime());
            messages.add(message);
        }

        IoTMessage next(Duration timeout) throws InterruptedException {
            IoTMessage m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                fail("no message within " + timeout);
            }
            return m;
        }

        /** @return the payloads (as text) of the next n messages */
        List<String> texts(int n, Duration timeout) throws InterruptedException {
            List<String> result = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (result.size() < n) {
                long left = deadline - System.nanoTime();
                IoTMessage m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
                if (m == null) {
                    fail("received only " + result.size() + " of " + n + " messages within " + timeout + ": " + result);
                }
                result.add(m.payloadAsString());
            }
            return result;
        }

        /** @return whether nothing more arrives within the time */
        boolean quietFor(Duration time) throws InterruptedException {
            return messages.poll(time.toMillis(), TimeUnit.MILLISECONDS) == null;
        }
    }
}
