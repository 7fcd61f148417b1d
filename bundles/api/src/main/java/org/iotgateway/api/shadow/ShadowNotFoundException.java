package org.iotgateway.api.shadow;

/**
 * The shadow does not exist (code 404): it was never created or it was deleted.
 */
public class ShadowNotFoundException extends ShadowRejectedException {

    private static final long serialVersionUID = 1L;

    /** The service's code for a missing shadow. */
    public static final int CODE = 404;

    /**
     * @param serviceMessage the service's error message
     * @param operation      the rejected operation
     * @param thingName      the thing
     * @param shadowName     the shadow name, empty for the classic shadow
     */
    public ShadowNotFoundException(String serviceMessage, ShadowOperation operation, String thingName,
            String shadowName) {
        super(CODE, serviceMessage, operation, thingName, shadowName);
    }
}
