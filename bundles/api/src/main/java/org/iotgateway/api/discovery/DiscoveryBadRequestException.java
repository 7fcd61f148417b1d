package org.iotgateway.api.discovery;

/**
 * The discovery service answered 400 Bad Request: it did not accept the request (for example a thing name it
 * considers invalid).
 */
public class DiscoveryBadRequestException extends DiscoveryRejectedException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status. */
    public static final int STATUS = 400;

    /**
     * @param serviceMessage the service's message, possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked
     */
    public DiscoveryBadRequestException(String serviceMessage, String thingName, String endpoint) {
        super(STATUS, serviceMessage, thingName, endpoint, "bad request");
    }
}
