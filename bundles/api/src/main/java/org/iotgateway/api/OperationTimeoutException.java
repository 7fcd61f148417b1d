package org.iotgateway.api;

/**
 * An operation did not complete within its timeout.
 */
public class OperationTimeoutException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** @param message which operation, on what, after how long */
    public OperationTimeoutException(String message) {
        super(message);
    }
}
