package org.iotgateway.api;

/**
 * The connection is not connected and the request could not be queued (offline queueing disabled).
 */
public class NotConnectedException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** @param message the details */
    public NotConnectedException(String message) {
        super(message);
    }
}
