package org.iotgateway.api;

/**
 * Base of every exception the iot-gateway services throw or complete a stage with.
 */
public class IoTException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what went wrong */
    public IoTException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying cause
     */
    public IoTException(String message, Throwable cause) {
        super(message, cause);
    }
}
