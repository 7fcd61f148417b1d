package org.iotgateway.api.shadow;

/**
 * The request operations of the Device Shadow MQTT API.
 */
public enum ShadowOperation {
    /** Read the whole shadow ({@code get}). */
    GET("get"),
    /** Merge desired and/or reported state ({@code update}). */
    UPDATE("update"),
    /** Delete the shadow ({@code delete}); the version counter survives. */
    DELETE("delete");

    private final String topic;

    ShadowOperation(String topic) {
        this.topic = topic;
    }

    /** @return the topic level of the operation: {@code get}, {@code update} or {@code delete} */
    public String topic() {
        return topic;
    }
}
