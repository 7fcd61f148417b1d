package org.iotgateway.demo;

import java.util.concurrent.TimeUnit;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;

/**
 * The load generator's validated settings and its pacing: how many messages are due after a given time, so that the
 * achieved rate does not drift with scheduling jitter (a late tick publishes what the earlier ones owed).
 */
final class LoadPlan {

    static final int MAX_RATE = 100_000;

    final int rate;
    final int payloadSize;
    final QoS qos;
    final String topic;
    final long delayMillis;
    final long durationNanos;
    final int maxOutstanding;

    private LoadPlan(int rate, int payloadSize, QoS qos, String topic, long delayMillis, long durationNanos,
            int maxOutstanding) {
        this.rate = rate;
        this.payloadSize = payloadSize;
        this.qos = qos;
        this.topic = topic;
        this.delayMillis = delayMillis;
        this.durationNanos = durationNanos;
        this.maxOutstanding = maxOutstanding;
    }

    /**
     * @throws IllegalArgumentException naming the property and the value when a setting is out of range
     */
    static LoadPlan of(LoadConfig c) {
        int rate = c.rate();
        if (rate < 0 || rate > MAX_RATE) {
            throw new IllegalArgumentException("load generator: rate must be 0-" + MAX_RATE + " msgs/s, got " + rate);
        }
        int size = c.payload_size();
        if (size < 0 || size > IoTConnection.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("load generator: payload.size must be 0-" + IoTConnection.MAX_PAYLOAD_BYTES
                    + " bytes, got " + size);
        }
        QoS qos;
        try {
            qos = QoS.of(c.qos());
        } catch (InvalidRequestException e) {
            throw new IllegalArgumentException("load generator: qos must be 0 or 1, got " + c.qos(), e);
        }
        String thing = c.thing_name() == null ? "" : c.thing_name().trim();
        String topic = c.topic() == null ? "" : c.topic().trim();
        if (topic.contains("{thing}") && thing.isEmpty()) {
            throw new IllegalArgumentException("load generator: topic '" + topic + "' uses {thing} but thing.name is empty");
        }
        topic = topic.replace("{thing}", thing);
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("load generator: topic is empty");
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            throw new IllegalArgumentException("load generator: topic '" + topic
                    + "' contains a wildcard (+ or #); a publish needs a plain topic");
        }
        if (c.delay() < 0) {
            throw new IllegalArgumentException("load generator: delay must be 0 or more seconds, got " + c.delay());
        }
        if (c.duration() < 0) {
            throw new IllegalArgumentException("load generator: duration must be 0 (until stopped) or more seconds, got "
                    + c.duration());
        }
        if (c.max_outstanding() < 1) {
            throw new IllegalArgumentException("load generator: max.outstanding must be at least 1, got "
                    + c.max_outstanding());
        }
        return new LoadPlan(rate, size, qos, topic, TimeUnit.SECONDS.toMillis(c.delay()),
                TimeUnit.SECONDS.toNanos(c.duration()), c.max_outstanding());
    }

    boolean off() {
        return rate == 0;
    }

    /**
     * @param elapsedNanos time since the load started
     * @return messages that should have been published by then (capped at the duration's total)
     */
    long dueAfter(long elapsedNanos) {
        long t = durationNanos > 0 ? Math.min(elapsedNanos, durationNanos) : elapsedNanos;
        // microseconds x rate stays far below Long.MAX_VALUE for any realistic run (years)
        return Math.max(0, TimeUnit.NANOSECONDS.toMicros(t) * rate / 1_000_000L);
    }

    /** @return whether a load of limited duration is over */
    boolean finished(long elapsedNanos) {
        return durationNanos > 0 && elapsedNanos >= durationNanos;
    }
}
