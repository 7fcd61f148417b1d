package org.iotgateway.api;

/**
 * The MQTT protocol version a connection speaks, chosen by its configuration.
 */
public enum MqttVersion {
    /** MQTT 3.1.1, the default: every MQTT 5 only feature is refused with a clear error. */
    MQTT_3_1_1,
    /** MQTT 5.0: message properties, reason codes, session expiry, topic aliases and the rest. */
    MQTT_5
}
