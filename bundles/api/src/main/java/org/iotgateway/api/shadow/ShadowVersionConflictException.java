package org.iotgateway.api.shadow;

/**
 * An update carried an expected version that is not the shadow's current version (code 409). Read
 * the shadow again ({@link ShadowService#get()}) and retry with its version.
 */
public class ShadowVersionConflictException extends ShadowRejectedException {

    private static final long serialVersionUID = 1L;

    /** The service's code for a version conflict. */
    public static final int CODE = 409;

    /**
     * @param serviceMessage the service's error message
     * @param operation      the rejected operation
     * @param thingName      the thing
     * @param shadowName     the shadow name, empty for the classic shadow
     */
    public ShadowVersionConflictException(String serviceMessage, ShadowOperation operation, String thingName,
            String shadowName) {
        super(CODE, serviceMessage, operation, thingName, shadowName);
    }
}
