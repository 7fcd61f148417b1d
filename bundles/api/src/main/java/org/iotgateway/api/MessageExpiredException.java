package org.iotgateway.api;

/**
 * A publish with a message expiry interval (MQTT 5) waited in the offline queue longer than its
 * interval and was dropped without being sent.
 */
public class MessageExpiredException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** @param message the details */
    public MessageExpiredException(String message) {
        super(message);
    }
}
