package org.iotgateway.api;

/**
 * The connection was closed (its configuration deleted, or its bundle stopped) before the
 * request completed.
 */
public class ConnectionClosedException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** @param message the details */
    public ConnectionClosedException(String message) {
        super(message);
    }
}
