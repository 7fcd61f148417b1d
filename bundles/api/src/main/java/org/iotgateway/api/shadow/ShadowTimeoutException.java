package org.iotgateway.api.shadow;

import java.time.Duration;

import org.iotgateway.api.OperationTimeoutException;

/**
 * A shadow request got no answer within the operation timeout. The message says why when it is known
 * (no connection bound, not connected, no reply). An update that timed out may still have been applied
 * by the service: use {@link ShadowUpdate.Builder#expectedVersion(long)} where that matters.
 */
public class ShadowTimeoutException extends OperationTimeoutException {

    private static final long serialVersionUID = 1L;

    private final ShadowOperation operation;
    private final String thingName;
    private final String shadowName;
    private final Duration timeout;

    /**
     * @param operation  the operation
     * @param thingName  the thing
     * @param shadowName the shadow name, empty for the classic shadow
     * @param timeout    the timeout that expired
     * @param reason     why, e.g. "no reply from the service", or {@code null}
     */
    public ShadowTimeoutException(ShadowOperation operation, String thingName, String shadowName, Duration timeout,
            String reason) {
        super(operation.topic() + " of " + ShadowRejectedException.describe(thingName, shadowName)
                + " timed out after " + timeout.toMillis() + " ms" + (reason == null ? "" : ": " + reason));
        this.operation = operation;
        this.thingName = thingName;
        this.shadowName = shadowName == null ? "" : shadowName;
        this.timeout = timeout;
    }

    /** @return the operation that timed out */
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

    /** @return the timeout that expired */
    public Duration timeout() {
        return timeout;
    }
}
