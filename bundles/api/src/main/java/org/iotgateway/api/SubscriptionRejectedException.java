package org.iotgateway.api;

/**
 * The broker refused a subscription (SUBACK failure), for example because the policy of the
 * device does not allow the filter. {@link #reason()} carries the SUBACK reason code (on MQTT 3.1.1
 * always {@code 0x80}; on MQTT 5 the broker's code, e.g. {@code 0x87 Not authorized}, and reason string).
 */
public class SubscriptionRejectedException extends IoTException {

    private static final long serialVersionUID = 1L;

    private final String filter;

    /**
     * @param filter  the refused filter
     * @param message the details
     */
    public SubscriptionRejectedException(String filter, String message) {
        this(filter, message, null);
    }

    /**
     * @param filter  the refused filter
     * @param message the details
     * @param reason  the SUBACK reason code and reason string, or {@code null}
     */
    public SubscriptionRejectedException(String filter, String message, MqttReason reason) {
        super(message, null, reason);
        this.filter = filter;
    }

    /** @return the refused filter */
    public String filter() {
        return filter;
    }
}
