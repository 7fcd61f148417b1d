package org.iotgateway.emulator.internal;

/** Publishes a reply or notification to the broker's subscribers (QoS 1, capped by each subscription). */
@FunctionalInterface
public interface Publisher {
    void publish(String topic, byte[] payload);
}
