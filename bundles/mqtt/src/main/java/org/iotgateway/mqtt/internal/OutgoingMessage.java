package org.iotgateway.mqtt.internal;

import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.iotgateway.mqtt.internal.spool.SpooledMessage;

/**
 * A queued publish as Paho sends it, sharing the queue's payload array. Paho's {@code MqttMessage}
 * copies every payload given to its constructor or {@code setPayload}; the queue's array is already a
 * private copy that nothing modifies (see {@link SpooledMessage}), so a third copy per publish is not
 * needed. Paho reads an outgoing payload only through {@link #getPayload()} (to encode, persist and
 * log it) and never writes to it.
 */
final class OutgoingMessage extends MqttMessage {

    private final byte[] payload;

    OutgoingMessage(SpooledMessage m) {
        super(); // an empty payload of its own, never used
        this.payload = m.payload();
        setQos(m.qos());
        setRetained(m.retain());
    }

    @Override
    public byte[] getPayload() {
        return payload;
    }

    @Override
    public String toString() {
        return "OutgoingMessage[" + payload.length + " bytes, qos " + getQos() + "]";
    }
}
