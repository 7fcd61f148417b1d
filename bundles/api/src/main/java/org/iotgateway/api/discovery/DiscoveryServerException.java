package org.iotgateway.api.discovery;

/**
 * The discovery service answered with a 5xx status: it failed to process the request. Trying again later may help.
 */
public class DiscoveryServerException extends DiscoveryRejectedException {

    private static final long serialVersionUID = 1L;

    /**
     * @param status         the HTTP status, 500 to 599
     * @param serviceMessage the service's message, possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked
     */
    public DiscoveryServerException(int status, String serviceMessage, String thingName, String endpoint) {
        super(status, serviceMessage, thingName, endpoint, "service error");
    }
}
