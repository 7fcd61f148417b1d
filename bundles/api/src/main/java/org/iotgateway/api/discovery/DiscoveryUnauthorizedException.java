package org.iotgateway.api.discovery;

/**
 * The discovery service answered 401 Unauthorized or 403 Forbidden: it does not know the device certificate, the
 * certificate is not active, or its policy does not allow {@code greengrass:Discover} for the thing. Retrying does
 * not help until the certificate or policy is fixed.
 */
public class DiscoveryUnauthorizedException extends DiscoveryRejectedException {

    private static final long serialVersionUID = 1L;

    /** HTTP 401. */
    public static final int STATUS = 401;
    /** HTTP 403. */
    public static final int FORBIDDEN = 403;

    /**
     * @param status         401 or 403
     * @param serviceMessage the service's message, possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked
     */
    public DiscoveryUnauthorizedException(int status, String serviceMessage, String thingName, String endpoint) {
        super(status, serviceMessage, thingName, endpoint,
                "the device certificate is not accepted or not allowed to discover this thing");
    }
}
