package org.iotgateway.api.discovery;

import java.util.concurrent.CompletionStage;

import org.iotgateway.api.InvalidRequestException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The AWS IoT Greengrass discovery client of one discovery endpoint and one set of device credentials,
 * registered as an OSGi service once per configuration (factory PID {@code org.iotgateway.greengrass.discovery}).
 * <p>
 * {@link #discover(String)} asks {@code GET /greengrass/discover/thing/{thingName}} over mutual TLS which
 * Greengrass groups the thing belongs to, which core each group has and how to reach it. The stage completes on a
 * thread of the discovery service with the answer, or exceptionally with:
 * <ul>
 * <li>{@link DiscoveryRejectedException} when the service answered with an error status: its subclasses
 * {@link DiscoveryBadRequestException} (400), {@link DiscoveryUnauthorizedException} (401, 403),
 * {@link ThingNotInGroupException} (404: the thing is unknown or not associated with a group),
 * {@link DiscoveryThrottledException} (429, after the configured number of attempts with backoff) and
 * {@link DiscoveryServerException} (5xx), or the class itself for other statuses;</li>
 * <li>{@link DiscoveryResponseException} when the answer was malformed or truncated JSON, not a valid discovery
 * document, or larger than the configured limit;</li>
 * <li>{@link DiscoveryConnectionException} when the endpoint could not be reached or the TLS handshake failed;</li>
 * <li>{@link DiscoveryTimeoutException} when a request took longer than the configured timeout.</li>
 * </ul>
 * Every failure is a {@link org.iotgateway.api.IoTException}.
 * <p>
 * Service properties: {@value #DISCOVERY_ID}, {@value #ENDPOINT}, {@value #PORT}.
 */
@ProviderType
public interface GreengrassDiscovery {

    /** Service property: the configured discovery id, to select a discovery service with a target filter. */
    String DISCOVERY_ID = "discovery.id";
    /** Service property: the discovery endpoint's host name. */
    String ENDPOINT = "endpoint";
    /** Service property: the discovery endpoint's port (Integer). */
    String PORT = "port";

    /** The port of the discovery service: 8443. */
    int DEFAULT_PORT = 8443;
    /** The ALPN protocol a client must offer to reach discovery on port 443. */
    String ALPN_PROTOCOL = "x-amzn-http-ca";

    /** @return the configured discovery id ({@value #DISCOVERY_ID}) */
    String id();

    /**
     * Runs discovery for a thing.
     *
     * @param thingName the AWS IoT thing name: 1 to 128 characters of letters, digits, {@code :}, {@code _} and
     *        {@code -}
     * @return completes with the groups, cores and connectivity entries, in the order the service sent them; fails
     *         as described in the type's documentation
     * @throws InvalidRequestException at once, for an invalid thing name; nothing is sent
     * @throws org.iotgateway.api.ConnectionClosedException at once, if the service was closed
     */
    CompletionStage<DiscoveryResult> discover(String thingName);

    /**
     * Runs discovery and waits for the answer. Each request is bounded by the configured timeout, and throttled
     * requests are retried a bounded number of times, so this never blocks for longer than
     * {@code attempts x (timeout + largest backoff)}.
     *
     * @param thingName the AWS IoT thing name
     * @return the groups, cores and connectivity entries
     * @throws DiscoveryException        the failures described in the type's documentation
     * @throws DiscoveryTimeoutException if a request timed out
     * @throws InvalidRequestException   for an invalid thing name
     */
    DiscoveryResult discoverAndWait(String thingName);
}
