package org.iotgateway.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable MQTT message: topic, payload bytes, QoS, retain flag, for received messages the
 * duplicate flag, and the MQTT 5 message properties. The payload and correlation data are copied
 * on the way in and on the way out.
 * <p>
 * <b>MQTT 5 properties</b> (set with {@link #builder(String, byte[])}): message expiry interval,
 * user properties (ordered, duplicates allowed), content type, payload format indicator, response
 * topic and correlation data. Received messages carry the properties the broker delivered. On a
 * connection that speaks MQTT 3.1.1 a publish carrying any of them is refused at once with
 * {@link InvalidRequestException} naming the property and the connection: MQTT 3.1.1 cannot carry
 * them and they are never dropped silently. Received MQTT 3.1.1 messages have none.
 */
public final class IoTMessage {

    /** The largest message expiry interval MQTT can carry, in seconds (2^32 - 1). */
    public static final long MAX_EXPIRY_SECONDS = 0xFFFF_FFFFL;

    private final String topic;
    private final byte[] payload;
    private final QoS qos;
    private final boolean retain;
    private final boolean duplicate;
    private final Long messageExpirySeconds;
    private final List<UserProperty> userProperties;
    private final String contentType;
    private final boolean payloadFormatUtf8;
    private final String responseTopic;
    private final byte[] correlationData;

    private IoTMessage(String topic, byte[] payload, QoS qos, boolean retain, boolean duplicate) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.payload = Objects.requireNonNull(payload, "payload");
        this.qos = Objects.requireNonNull(qos, "qos");
        this.retain = retain;
        this.duplicate = duplicate;
        this.messageExpirySeconds = null;
        this.userProperties = List.of();
        this.contentType = null;
        this.payloadFormatUtf8 = false;
        this.responseTopic = null;
        this.correlationData = null;
    }

    private IoTMessage(Builder b) {
        this.topic = b.topic;
        this.payload = b.payload.clone();
        this.qos = b.qos;
        this.retain = b.retain;
        this.duplicate = b.duplicate;
        this.messageExpirySeconds = b.messageExpirySeconds;
        this.userProperties = Collections.unmodifiableList(new ArrayList<>(b.userProperties));
        this.contentType = b.contentType;
        this.payloadFormatUtf8 = b.payloadFormatUtf8;
        this.responseTopic = b.responseTopic;
        this.correlationData = b.correlationData == null ? null : b.correlationData.clone();
    }

    /**
     * A builder for a message with MQTT 5 properties (or any other message).
     *
     * @param topic   the topic
     * @param payload the payload, copied when the message is built
     * @return a builder for a QoS 0 message that is not retained
     * @throws InvalidRequestException if topic or payload is {@code null}
     */
    public static Builder builder(String topic, byte[] payload) {
        requireArguments(topic, payload, QoS.AT_MOST_ONCE);
        return new Builder(topic, payload.clone());
    }

    /**
     * A builder for a text message. See {@link #builder(String, byte[])}.
     *
     * @param topic   the topic
     * @param payload the payload as UTF-8 text
     * @return a builder
     */
    public static Builder builder(String topic, String payload) {
        if (payload == null) {
            throw new InvalidRequestException("payload of a message to topic '" + topic + "' is null; use an empty payload instead");
        }
        return builder(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** @return a builder preset with everything this message has, to derive a changed copy */
    public Builder toBuilder() {
        Builder b = new Builder(topic, payload);
        b.qos = qos;
        b.retain = retain;
        b.duplicate = duplicate;
        b.messageExpirySeconds = messageExpirySeconds;
        b.userProperties.addAll(userProperties);
        b.contentType = contentType;
        b.payloadFormatUtf8 = payloadFormatUtf8;
        b.responseTopic = responseTopic;
        b.correlationData = correlationData;
        return b;
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

    /**
     * @return the message expiry interval in seconds (MQTT 5): the broker discards the message if it
     *         cannot deliver it within that time; for a received message, what is left of it
     */
    public Optional<Long> messageExpirySeconds() {
        return Optional.ofNullable(messageExpirySeconds);
    }

    /** @return the user properties (MQTT 5), in order, duplicates included; empty if none */
    public List<UserProperty> userProperties() {
        return userProperties;
    }

    /** @return the content type (MQTT 5), for example {@code application/json} */
    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    /** @return whether the payload format indicator says the payload is UTF-8 text (MQTT 5) */
    public boolean payloadFormatUtf8() {
        return payloadFormatUtf8;
    }

    /** @return the response topic (MQTT 5) a responder should publish its answer to */
    public Optional<String> responseTopic() {
        return Optional.ofNullable(responseTopic);
    }

    /** @return a copy of the correlation data (MQTT 5) that ties a response to its request */
    public Optional<byte[]> correlationData() {
        return correlationData == null ? Optional.empty() : Optional.of(correlationData.clone());
    }

    /**
     * @return the name of the first MQTT 5 property this message carries ("message expiry interval",
     *         "user properties", "content type", "payload format indicator", "response topic" or
     *         "correlation data"), empty if it carries none and so can be sent over MQTT 3.1.1
     */
    public Optional<String> mqtt5Property() {
        if (messageExpirySeconds != null) {
            return Optional.of("message expiry interval");
        }
        if (!userProperties.isEmpty()) {
            return Optional.of("user properties");
        }
        if (contentType != null) {
            return Optional.of("content type");
        }
        if (payloadFormatUtf8) {
            return Optional.of("payload format indicator");
        }
        if (responseTopic != null) {
            return Optional.of("response topic");
        }
        if (correlationData != null) {
            return Optional.of("correlation data");
        }
        return Optional.empty();
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
                && topic.equals(other.topic) && Arrays.equals(payload, other.payload)
                && Objects.equals(messageExpirySeconds, other.messageExpirySeconds)
                && userProperties.equals(other.userProperties) && Objects.equals(contentType, other.contentType)
                && payloadFormatUtf8 == other.payloadFormatUtf8 && Objects.equals(responseTopic, other.responseTopic)
                && Arrays.equals(correlationData, other.correlationData);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, qos, retain, duplicate, messageExpirySeconds, userProperties, contentType,
                payloadFormatUtf8, responseTopic) * 31 + Arrays.hashCode(payload) * 17 + Arrays.hashCode(correlationData);
    }

    @Override
    public String toString() {
        return "IoTMessage[topic=" + topic + ", qos=" + qos.level() + ", retain=" + retain + ", duplicate=" + duplicate
                + ", payload=" + payload.length + " bytes"
                + (messageExpirySeconds == null ? "" : ", expiry=" + messageExpirySeconds + "s")
                + (userProperties.isEmpty() ? "" : ", userProperties=" + userProperties)
                + (contentType == null ? "" : ", contentType=" + MqttStrings.shorten(contentType))
                + (payloadFormatUtf8 ? ", utf8" : "")
                + (responseTopic == null ? "" : ", responseTopic=" + MqttStrings.shorten(responseTopic))
                + (correlationData == null ? "" : ", correlationData=" + correlationData.length + " bytes") + "]";
    }

    /**
     * Builds an {@link IoTMessage}. Every setter checks its value at once and throws
     * {@link InvalidRequestException} naming the property: strings must be valid MQTT UTF-8 (at most
     * 65,535 bytes, no U+0000, no unpaired surrogate), correlation data at most 65,535 bytes, the
     * response topic a topic name without wildcards, the expiry 1 to {@value IoTMessage#MAX_EXPIRY_SECONDS}
     * seconds.
     */
    public static final class Builder {
        private final String topic;
        private final byte[] payload;
        private QoS qos = QoS.AT_MOST_ONCE;
        private boolean retain;
        private boolean duplicate;
        private Long messageExpirySeconds;
        private final List<UserProperty> userProperties = new ArrayList<>();
        private String contentType;
        private boolean payloadFormatUtf8;
        private String responseTopic;
        private byte[] correlationData;

        private Builder(String topic, byte[] payload) {
            this.topic = topic;
            this.payload = payload;
        }

        /** @param value the QoS @return this */
        public Builder qos(QoS value) {
            if (value == null) {
                throw new InvalidRequestException("QoS of a message to topic '" + topic + "' is null");
            }
            qos = value;
            return this;
        }

        /** @param value whether the broker should retain the message @return this */
        public Builder retain(boolean value) {
            retain = value;
            return this;
        }

        /** For implementations delivering a received message. @param value the duplicate flag @return this */
        public Builder duplicate(boolean value) {
            duplicate = value;
            return this;
        }

        /**
         * @param value the message expiry interval (MQTT 5), whole seconds, 1 s to 2^32 - 1 s; {@code null} for none
         * @return this
         */
        public Builder messageExpiry(Duration value) {
            if (value == null) {
                messageExpirySeconds = null;
                return this;
            }
            return messageExpirySeconds(value.getSeconds() + (value.getNano() > 0 ? 1 : 0));
        }

        /** @param seconds the message expiry interval in seconds, 1 to 2^32 - 1 @return this */
        public Builder messageExpirySeconds(long seconds) {
            if (seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
                throw new InvalidRequestException("message expiry interval of a message to topic '" + topic + "' is "
                        + seconds + " s; use 1 to " + MAX_EXPIRY_SECONDS + " s");
            }
            messageExpirySeconds = seconds;
            return this;
        }

        /**
         * Adds a user property (MQTT 5) after those added before; the same name may be added again.
         *
         * @param name  the name
         * @param value the value
         * @return this
         */
        public Builder userProperty(String name, String value) {
            userProperties.add(UserProperty.of(name, value));
            return this;
        }

        /** @param properties user properties to add, in order @return this */
        public Builder userProperties(List<UserProperty> properties) {
            if (properties == null) {
                throw new InvalidRequestException("user properties of a message to topic '" + topic + "' are null");
            }
            for (UserProperty p : properties) {
                if (p == null) {
                    throw new InvalidRequestException("a user property of a message to topic '" + topic + "' is null");
                }
                userProperties.add(p);
            }
            return this;
        }

        /**
         * @param value the content type (MQTT 5), a MIME type such as {@code application/json}: printable, without
         *              control characters; {@code null} for none
         * @return this
         */
        public Builder contentType(String value) {
            if (value != null) {
                MqttStrings.check("content type", value);
                for (int i = 0; i < value.length(); i++) {
                    if (Character.isISOControl(value.charAt(i))) {
                        throw new InvalidRequestException("content type '" + MqttStrings.shorten(value)
                                + "' contains a control character at index " + i);
                    }
                }
                if (value.isBlank()) {
                    throw new InvalidRequestException("content type is blank; leave it unset instead");
                }
            }
            contentType = value;
            return this;
        }

        /** @param value whether the payload is UTF-8 text (payload format indicator, MQTT 5) @return this */
        public Builder payloadFormatUtf8(boolean value) {
            payloadFormatUtf8 = value;
            return this;
        }

        /**
         * @param value the response topic (MQTT 5): a topic name without wildcards; {@code null} for none
         * @return this
         */
        public Builder responseTopic(String value) {
            if (value != null) {
                MqttStrings.check("response topic", value);
                if (value.isEmpty()) {
                    throw new InvalidRequestException("response topic is empty");
                }
                if (value.indexOf('+') >= 0 || value.indexOf('#') >= 0) {
                    throw new InvalidRequestException("response topic '" + MqttStrings.shorten(value)
                            + "' contains a wildcard (+ or #); a response topic is a topic name");
                }
            }
            responseTopic = value;
            return this;
        }

        /** @param value the correlation data (MQTT 5), at most 65,535 bytes, copied; {@code null} for none @return this */
        public Builder correlationData(byte[] value) {
            if (value != null && value.length > MqttStrings.MAX_BYTES) {
                throw new InvalidRequestException("correlation data is " + value.length + " bytes, over MQTT's limit of "
                        + MqttStrings.MAX_BYTES + " bytes");
            }
            correlationData = value == null ? null : value.clone();
            return this;
        }

        /** @return the message */
        public IoTMessage build() {
            return new IoTMessage(this);
        }
    }
}
