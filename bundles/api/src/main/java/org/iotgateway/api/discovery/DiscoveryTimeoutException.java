package org.iotgateway.api.discovery;

import java.time.Duration;
import java.util.Objects;

import org.iotgateway.api.OperationTimeoutException;

/**
 * A discovery request (connecting, TLS handshake and the complete answer) took longer than the configured timeout.
 */
public class DiscoveryTimeoutException extends OperationTimeoutException {

    private static final long serialVersionUID = 1L;

    private final String thingName;
    private final Duration timeout;

    /**
     * @param thingName the thing discovery ran for
     * @param endpoint  the endpoint asked
     * @param timeout   the timeout that expired
     * @param stage     what was under way, e.g. "waiting for the answer", or {@code null}
     */
    public DiscoveryTimeoutException(String thingName, String endpoint, Duration timeout, String stage) {
        super("Greengrass discovery of thing '" + thingName + "' at " + endpoint + " timed out after "
                + timeout.toMillis() + " ms" + (stage == null ? "" : " (" + stage + ")"));
        this.thingName = thingName == null ? "" : thingName;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** @return the thing discovery ran for */
    public String thingName() {
        return thingName;
    }

    /** @return the timeout that expired */
    public Duration timeout() {
        return timeout;
    }
}
