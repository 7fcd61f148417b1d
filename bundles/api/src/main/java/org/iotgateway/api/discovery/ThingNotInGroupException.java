package org.iotgateway.api.discovery;

/**
 * The discovery service answered 404 Not Found: the thing does not exist or is not associated with any Greengrass
 * group (core device).
 */
public class ThingNotInGroupException extends DiscoveryRejectedException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status. */
    public static final int STATUS = 404;

    /**
     * @param serviceMessage the service's message, possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked
     */
    public ThingNotInGroupException(String serviceMessage, String thingName, String endpoint) {
        super(STATUS, serviceMessage, thingName, endpoint, "the thing is unknown or not associated with a "
                + "Greengrass core device");
    }
}
