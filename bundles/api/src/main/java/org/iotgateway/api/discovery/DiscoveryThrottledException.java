package org.iotgateway.api.discovery;

/**
 * The discovery service answered 429 Too Many Requests to every one of the configured number of attempts (made
 * with growing delays in between).
 */
public class DiscoveryThrottledException extends DiscoveryRejectedException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status. */
    public static final int STATUS = 429;

    private final int attempts;

    /**
     * @param serviceMessage the service's message, possibly empty
     * @param thingName      the thing discovery ran for
     * @param endpoint       the endpoint asked
     * @param attempts       how many requests were made
     */
    public DiscoveryThrottledException(String serviceMessage, String thingName, String endpoint, int attempts) {
        super(STATUS, serviceMessage, thingName, endpoint, "throttled; gave up after " + attempts + " attempt"
                + (attempts == 1 ? "" : "s"));
        this.attempts = attempts;
    }

    /** @return how many requests were made, all throttled */
    public int attempts() {
        return attempts;
    }
}
