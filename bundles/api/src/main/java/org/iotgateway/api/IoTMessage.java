package org.iotgateway.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable MQTT message: topic, payload bytes, QoS, retain flag and, for received messages,
 * the duplicate flag. The payload is copied on the way in and on the way out.
 */
public final class IoTMessage {

    private final String topic;
    private final byte[] payload;
    private final QoS qos;
    private final boolean retain;
    private final boolean duplicate;

    private IoTMessage(String topic, byte[] payload, QoS qos, boolean retain, boolean duplicate) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.payload = Objects.requireNonNull(payload, "payload");
        this.qos = Objects.requireNonNull(qos, "qos");
        this.retain = retain;
        this.duplicate = duplicate;
    }

    /**
     * @param topic   the topic
     * @param payload the payload, copied
     * @param qos     the QoS
     * @return a message that is not retained
     * @throws InvalidRequestException if topic, payload or qos is {@code null}
     */
    public static IoTMessage of(String topic, byte[] payload, QoS qos) {
        return of(topic, payload, qos, false);
    }

    /**
     * @param topic   the topic
     * @param payload the payload, copied
     * @param qos     the QoS
     * @param retain  whether the broker should retain it
     * @return the message
     * @throws InvalidRequestException if topic, payload or qos is {@code null}
     */
    public static IoTMessage of(String topic, byte[] payload, QoS qos, boolean retain) {
        requireArguments(topic, payload, qos);
        return new IoTMessage(topic, payload.clone(), qos, retain, false);
    }

    /**
     * @param topic   the topic
     * @param payload the payload as UTF-8 text
     * @param qos     the QoS
     * @return a message that is not retained
     * @throws InvalidRequestException if topic, payload or qos is {@code null}
     */
    public static IoTMessage of(String topic, String payload, QoS qos) {
        if (payload == null) {
            throw new InvalidRequestException("payload of a message to topic '" + topic + "' is null; use an empty payload instead");
        }
        return of(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    /**
     * For implementations delivering a received message.
     *
     * @param topic     the topic it arrived on
     * @param payload   the payload, copied
     * @param qos       the QoS it arrived with
     * @param retain    the retain flag it arrived with
     * @param duplicate the duplicate flag it arrived with
     * @return the message
     */
    public static IoTMessage received(String topic, byte[] payload, QoS qos, boolean retain, boolean duplicate) {
        requireArguments(topic, payload, qos);
        return new IoTMessage(topic, payload.clone(), qos, retain, duplicate);
    }

    private static void requireArguments(String topic, byte[] payload, QoS qos) {
        if (topic == null) {
            throw new InvalidTopicException(null, "topic is null");
        }
        if (payload == null) {
            throw new InvalidRequestException("payload of a message to topic '" + topic + "' is null; use an empty payload instead");
        }
        if (qos == null) {
            throw new InvalidRequestException("QoS of a message to topic '" + topic + "' is null");
        }
    }

    /** @return the topic */
    public String topic() {
        return topic;
    }

    /** @return a copy of the payload */
    public byte[] payload() {
        return payload.clone();
    }

    /** @return the payload length in bytes, without copying it */
    public int payloadLength() {
        return payload.length;
    }

    /** @return the payload decoded as UTF-8 */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** @return the QoS */
    public QoS qos() {
        return qos;
    }

    /** @return whether the retain flag is set */
    public boolean retain() {
        return retain;
    }

    /** @return whether the broker flagged this delivery as a possible duplicate */
    public boolean duplicate() {
        return duplicate;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof IoTMessage)) {
            return false;
        }
        IoTMessage other = (IoTMessage) o;
        return retain == other.retain && duplicate == other.duplicate && qos == other.qos
                && topic.equals(other.topic) && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, qos, retain, duplicate) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "IoTMessage[topic=" + topic + ", qos=" + qos.level() + ", retain=" + retain + ", duplicate=" + duplicate
                + ", payload=" + payload.length + " bytes]";
    }
}
