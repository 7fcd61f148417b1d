package org.iotgateway.api.discovery;

import org.iotgateway.api.IoTException;

/**
 * Greengrass discovery failed. The subclasses say how: {@link DiscoveryRejectedException} (the service answered
 * with an error status), {@link DiscoveryResponseException} (the answer could not be used),
 * {@link DiscoveryConnectionException} (the endpoint could not be reached). Timeouts are
 * {@link DiscoveryTimeoutException}, an {@link org.iotgateway.api.OperationTimeoutException}.
 */
public class DiscoveryException extends IoTException {

    private static final long serialVersionUID = 1L;

    private final String thingName;

    /**
     * @param message   what went wrong, naming the thing and the endpoint
     * @param thingName the thing discovery ran for
     * @param cause     the underlying cause, or {@code null}
     */
    public DiscoveryException(String message, String thingName, Throwable cause) {
        super(message, cause);
        this.thingName = thingName == null ? "" : thingName;
    }

    /** @return the thing discovery ran for */
    public String thingName() {
        return thingName;
    }
}
