package org.iotgateway.api;

/**
 * The broker refused a publish: an MQTT 5 PUBACK with a failure reason code, for example
 * {@code 0x87 Not authorized} when the policy of the device does not allow the topic, or
 * {@code 0x97 Quota exceeded}. Retrying does not help: the message was removed from the offline
 * queue. {@link #reason()} carries the code and the broker's reason string.
 */
public class PublishRejectedException extends IoTException {

    private static final long serialVersionUID = 1L;

    private final String topic;

    /**
     * @param topic   the topic of the refused publish
     * @param message the details
     * @param reason  the PUBACK reason
     */
    public PublishRejectedException(String topic, String message, MqttReason reason) {
        super(message, null, reason);
        this.topic = topic;
    }

    /** @return the topic of the refused publish */
    public String topic() {
        return topic;
    }
}
