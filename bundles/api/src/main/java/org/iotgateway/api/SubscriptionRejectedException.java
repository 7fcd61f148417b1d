package org.iotgateway.api;

/**
 * The broker refused a subscription (SUBACK failure), for example because the policy of the
 * device does not allow the filter.
 */
public class SubscriptionRejectedException extends IoTException {

    private static final long serialVersionUID = 1L;

    private final String filter;

    /**
     * @param filter  the refused filter
     * @param message the details
     */
    public SubscriptionRejectedException(String filter, String message) {
        super(message);
        this.filter = filter;
    }

    /** @return the refused filter */
    public String filter() {
        return filter;
    }
}
