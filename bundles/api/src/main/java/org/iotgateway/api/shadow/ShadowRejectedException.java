package org.iotgateway.api.shadow;

import org.iotgateway.api.IoTException;

/**
 * The Device Shadow service rejected a request: the stage of the request completes exceptionally with
 * this exception, carrying the service's error code and message (from the {@code /rejected} reply).
 * <p>
 * Codes: 400 bad request (invalid JSON, missing state, too deep), 401 unauthorized, 403 forbidden,
 * 404 no such shadow ({@link ShadowNotFoundException}), 409 version conflict
 * ({@link ShadowVersionConflictException}), 413 document too large, 415 unsupported encoding, 429 too
 * many requests, 500 internal error.
 */
public class ShadowRejectedException extends IoTException {

    private static final long serialVersionUID = 1L;

    private final int code;
    private final String serviceMessage;
    private final ShadowOperation operation;
    private final String thingName;
    private final String shadowName;

    /**
     * @param code           the service's error code
     * @param serviceMessage the service's error message
     * @param operation      the rejected operation
     * @param thingName      the thing
     * @param shadowName     the shadow name, empty for the classic shadow
     */
    public ShadowRejectedException(int code, String serviceMessage, ShadowOperation operation, String thingName,
            String shadowName) {
        super(operation.topic() + " of " + describe(thingName, shadowName) + " rejected by the service: " + code + " "
                + serviceMessage);
        this.code = code;
        this.serviceMessage = serviceMessage;
        this.operation = operation;
        this.thingName = thingName;
        this.shadowName = shadowName == null ? "" : shadowName;
    }

    /**
     * Creates the exception type matching the code: {@link ShadowNotFoundException} for 404,
     * {@link ShadowVersionConflictException} for 409, this class otherwise.
     *
     * @param code           the service's error code
     * @param serviceMessage the service's error message
     * @param operation      the rejected operation
     * @param thingName      the thing
     * @param shadowName     the shadow name, empty for the classic shadow
     * @return the exception
     */
    public static ShadowRejectedException of(int code, String serviceMessage, ShadowOperation operation, String thingName,
            String shadowName) {
        switch (code) {
            case ShadowNotFoundException.CODE:
                return new ShadowNotFoundException(serviceMessage, operation, thingName, shadowName);
            case ShadowVersionConflictException.CODE:
                return new ShadowVersionConflictException(serviceMessage, operation, thingName, shadowName);
            default:
                return new ShadowRejectedException(code, serviceMessage, operation, thingName, shadowName);
        }
    }

    static String describe(String thingName, String shadowName) {
        return shadowName == null || shadowName.isEmpty() ? "the classic shadow of thing '" + thingName + "'"
                : "shadow '" + shadowName + "' of thing '" + thingName + "'";
    }

    /** @return the service's error code (400, 404, 409, 413, ...) */
    public int code() {
        return code;
    }

    /** @return the service's error message, as sent */
    public String serviceMessage() {
        return serviceMessage;
    }

    /** @return the rejected operation */
    public ShadowOperation operation() {
        return operation;
    }

    /** @return the thing name */
    public String thingName() {
        return thingName;
    }

    /** @return the shadow name, empty for the classic shadow */
    public String shadowName() {
        return shadowName;
    }
}
