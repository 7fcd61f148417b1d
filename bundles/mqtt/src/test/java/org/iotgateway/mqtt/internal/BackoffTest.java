package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromTheBaseUpToTheMax() {
        Backoff b = new Backoff(1000, 32000);
        long[] expected = { 1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000 };
        for (long e : expected) {
            assertEquals(e, b.nextDelayMillis());
        }
    }

    @Test
    void usesTheConfiguredBaseFromTheFirstRetry() {
        // the reference SDK starts at 1 s whatever the base; this one does not
        Backoff b = new Backoff(250, 10_000);
        assertEquals(250, b.nextDelayMillis());
        assertEquals(500, b.nextDelayMillis());
    }

    @Test
    void resetReturnsToTheBase() {
        Backoff b = new Backoff(1000, 32000);
        for (int i = 0; i < 5; i++) {
            b.nextDelayMillis();
        }
        b.reset();
        assertEquals(1000, b.nextDelayMillis());
    }

    @Test
    void neverOverflowsAfterManyAttempts() {
        Backoff b = new Backoff(3, Long.MAX_VALUE / 2);
        long last = 0;
        for (int i = 0; i < 500; i++) {
            long d = b.nextDelayMillis();
            assertEquals(true, d >= last && d > 0, "delay " + d + " after " + last);
            last = d;
        }
        assertEquals(Long.MAX_VALUE / 2, last);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(100, 10));
    }
}
