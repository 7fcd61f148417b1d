package org.iotgateway.mqtt.internal.spool;

/**
 * A publish accepted by a connection and kept in its spool until delivered. The payload array is
 * owned by the spool: never modified after construction.
 */
public final class SpooledMessage {

    private final long sequence;
    private final String topic;
    private final byte[] payload;
    private final int qos;
    private final boolean retain;
    private final MessageProperties properties;

    /**
     * @param sequence the spool's sequence number (increasing in append order)
     * @param topic    the topic
     * @param payload  the payload (not copied)
     * @param qos      0 or 1
     * @param retain   the retain flag
     */
    public SpooledMessage(long sequence, String topic, byte[] payload, int qos, boolean retain) {
        this(sequence, topic, payload, qos, retain, null);
    }

    /**
     * @param sequence   the spool's sequence number (increasing in append order)
     * @param topic      the topic
     * @param payload    the payload (not copied)
     * @param qos        0 or 1
     * @param retain     the retain flag
     * @param properties the MQTT 5 properties, or {@code null} for none
     */
    public SpooledMessage(long sequence, String topic, byte[] payload, int qos, boolean retain, MessageProperties properties) {
        this.properties = properties;
        this.sequence = sequence;
        this.topic = topic;
        this.payload = payload;
        this.qos = qos;
        this.retain = retain;
    }

    public long sequence() {
        return sequence;
    }

    public String topic() {
        return topic;
    }

    public byte[] payload() {
        return payload;
    }

    public int qos() {
        return qos;
    }

    public boolean retain() {
        return retain;
    }

    /** @return the MQTT 5 properties, or {@code null} for none */
    public MessageProperties properties() {
        return properties;
    }

    @Override
    public String toString() {
        return "SpooledMessage[#" + sequence + " " + topic + " qos=" + qos + " " + payload.length + " bytes]";
    }
}
