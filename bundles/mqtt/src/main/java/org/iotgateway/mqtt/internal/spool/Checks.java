package org.iotgateway.mqtt.internal.spool;

import java.util.Objects;

/** Argument checks shared by the spool implementations. */
final class Checks {

    private Checks() {
    }

    /**
     * Checks the arguments of {@link Spool#append}.
     *
     * @throws NullPointerException     if the topic or the payload is null
     * @throws IllegalArgumentException if the QoS is neither 0 nor 1
     */
    static void appendArgs(String topic, byte[] payload, int qos) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos != 0 && qos != 1) {
            throw new IllegalArgumentException("qos must be 0 or 1, was " + qos);
        }
    }
}
