package org.iotgateway.mqtt.internal;

/**
 * Progressive reconnect backoff: the n-th consecutive retry waits {@code min(2^n * base, max)}.
 * The counter is reset only by {@link #reset()}, which the connection calls once a connection has
 * stayed up for the stable time — never on CONNACK alone, so a broker that accepts and then drops
 * the connection (for example because another client took the same client id) meets a growing
 * delay instead of a reconnect storm.
 * <p>
 * Not thread-safe: used from the connection's control thread.
 */
final class Backoff {

    private final long baseMillis;
    private final long maxMillis;
    private int attempts;

    Backoff(long baseMillis, long maxMillis) {
        if (baseMillis <= 0) {
            throw new IllegalArgumentException("backoff base must be positive: " + baseMillis);
        }
        if (maxMillis < baseMillis) {
            throw new IllegalArgumentException("backoff max " + maxMillis + " ms is below the base " + baseMillis + " ms");
        }
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
    }

    /** @return the delay before the next attempt, and counts the attempt */
    long nextDelayMillis() {
        int shift = Math.min(attempts, 62);
        attempts++;
        long factor = 1L << shift;
        if (factor > maxMillis / baseMillis) {
            return maxMillis;
        }
        return Math.min(baseMillis * factor, maxMillis);
    }

    /** @return how many delays were handed out since the last reset */
    int attempts() {
        return attempts;
    }

    /** Back to the base delay. */
    void reset() {
        attempts = 0;
    }
}
