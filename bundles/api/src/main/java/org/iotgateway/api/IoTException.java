package org.iotgateway.api;

/**
 * Base of every exception the iot-gateway services throw or complete a stage with.
 */
public class IoTException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final MqttReason reason;

    /** @param message what went wrong */
    public IoTException(String message) {
        this(message, null, null);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying cause
     */
    public IoTException(String message, Throwable cause) {
        this(message, cause, null);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying cause, or {@code null}
     * @param reason  the reason code and string the broker answered with (MQTT 5), or {@code null}
     */
    public IoTException(String message, Throwable cause, MqttReason reason) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * @return the reason code and reason string of the broker's answer that caused this failure (a
     *         PUBACK, SUBACK or UNSUBACK failure code on MQTT 5, the SUBACK failure on MQTT 3.1.1), if any
     */
    public java.util.Optional<MqttReason> reason() {
        return java.util.Optional.ofNullable(reason);
    }
}
