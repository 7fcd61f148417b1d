package org.iotgateway.api.discovery;

/**
 * The discovery service answered with an error status. {@link #of(int, String, String, String, int)} creates the
 * subclass for the status: {@link DiscoveryBadRequestException} (400), {@link DiscoveryUnauthorizedException}
 * (401, 403), {@link ThingNotInGroupException} (404), {@link DiscoveryThrottledException} (429),
 * {@link DiscoveryServerException} (5xx); other statuses are this class.
 */
public class DiscoveryRejectedException extends DiscoveryException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String serviceMessage;

    /**
     * @param status         the HTTP status
     * @param serviceMessage the service's message (from the body), possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked, e.g. {@code greengrass-ats.iot.eu-west-1.amazonaws.com:8443}
     * @param explanation    what the status means, or {@code null}
     */
    protected DiscoveryRejectedException(int status, String serviceMessage, String thingName, String endpoint,
            String explanation) {
        super("Greengrass discovery of thing '" + thingName + "' at " + endpoint + " failed with HTTP " + status
                + (explanation == null ? "" : " (" + explanation + ")")
                + (serviceMessage == null || serviceMessage.isEmpty() ? "" : ": " + serviceMessage), thingName, null);
        this.status = status;
        this.serviceMessage = serviceMessage == null ? "" : serviceMessage;
    }

    /**
     * @param status         the HTTP status
     * @param serviceMessage the service's message (from the body), possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked
     * @param attempts       how many requests were made (for 429)
     * @return the exception type matching the status
     */
    public static DiscoveryRejectedException of(int status, String serviceMessage, String thingName, String endpoint,
            int attempts) {
        if (status == DiscoveryBadRequestException.STATUS) {
            return new DiscoveryBadRequestException(serviceMessage, thingName, endpoint);
        }
        if (status == DiscoveryUnauthorizedException.STATUS || status == DiscoveryUnauthorizedException.FORBIDDEN) {
            return new DiscoveryUnauthorizedException(status, serviceMessage, thingName, endpoint);
        }
        if (status == ThingNotInGroupException.STATUS) {
            return new ThingNotInGroupException(serviceMessage, thingName, endpoint);
        }
        if (status == DiscoveryThrottledException.STATUS) {
            return new DiscoveryThrottledException(serviceMessage, thingName, endpoint, attempts);
        }
        if (status >= 500 && status <= 599) {
            return new DiscoveryServerException(status, serviceMessage, thingName, endpoint);
        }
        return new DiscoveryRejectedException(status, serviceMessage, thingName, endpoint, null);
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return the service's message, as sent (shortened, without control characters), possibly empty */
    public String serviceMessage() {
        return serviceMessage;
    }
}
