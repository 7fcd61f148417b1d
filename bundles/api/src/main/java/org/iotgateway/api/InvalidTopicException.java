package org.iotgateway.api;

/**
 * A topic or topic filter is not valid for AWS IoT Core; nothing was sent or queued.
 */
public class InvalidTopicException extends InvalidRequestException {

    private static final long serialVersionUID = 1L;

    private final String topic;

    /**
     * @param topic  the offending topic or filter (may be {@code null})
     * @param reason why it is invalid
     */
    public InvalidTopicException(String topic, String reason) {
        super("invalid topic " + (topic == null ? "null" : "'" + abbreviate(topic) + "'") + ": " + reason);
        this.topic = topic;
    }

    /** @return the offending topic or filter, or {@code null} */
    public String topic() {
        return topic;
    }

    private static String abbreviate(String topic) {
        return topic.length() <= 300 ? topic : topic.substring(0, 300) + "...";
    }
}
