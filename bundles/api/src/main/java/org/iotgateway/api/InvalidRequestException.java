package org.iotgateway.api;

/**
 * A request was refused before anything was sent or queued because an argument is invalid
 * (for example a {@code null} payload or QoS 2).
 */
public class InvalidRequestException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** @param message which argument is wrong and why */
    public InvalidRequestException(String message) {
        super(message);
    }
}
