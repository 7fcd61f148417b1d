package org.iotgateway.mqtt.internal;

import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presigned WebSocket URL of AWS IoT Core's MQTT-over-WebSocket endpoint: {@code GET /mqtt} signed with SigV4
 * for service {@code iotdata}, {@code X-Amz-Expires=86400}, only the {@code host} header signed (the host without
 * port), the payload hash of an empty body, and the session token appended after the signature as
 * {@code X-Amz-Security-Token}, as the AWS IoT Device SDK for Python does.
 *
 * <p>{@link #sign()} signs anew with the current time and the current credentials: the connection calls it for
 * every connection attempt, because a signature is only valid for a limited time and credentials rotate.
 */
final class SigV4WebSocketUrl {

    private static final Logger LOG = LoggerFactory.getLogger(SigV4WebSocketUrl.class);

    static final String SERVICE = "iotdata";
    static final long EXPIRES_SECONDS = 86_400;
    static final String PATH = "/mqtt";

    /** {@code <prefix>(-ats|.ats)?.iot.<region>.amazonaws.com}, also China and VPC endpoints. */
    private static final Pattern AWS_IOT_ENDPOINT = Pattern
            .compile("^[a-z0-9-]+(?:\\.ats)?\\.iot\\.([a-z]{2}(?:-[a-z]+)+-\\d+)\\.(?:vpce\\.)?amazonaws\\.com(?:\\.cn)?$");
    private static final Pattern REGION = Pattern.compile("^[a-z]{2}(?:-[a-z]+)+-\\d+$");

    private final String connectionId;
    private final String host;
    private final int port;
    private final String region;
    private final AwsCredentialsChain credentials;
    private final Environment environment;
    private volatile String lastCredentials = "no credentials yet";
    private AwsCredentials lastUsed;

    /**
     * @param connectionId for logs
     * @param host the endpoint host name, signed as the host header
     * @param port the port
     * @param region the signing region
     * @param credentials where credentials come from
     * @param environment clock (and environment for the credentials)
     */
    SigV4WebSocketUrl(String connectionId, String host, int port, String region, AwsCredentialsChain credentials,
            Environment environment) {
        this.connectionId = connectionId;
        this.host = host;
        this.port = port;
        this.region = region;
        this.credentials = credentials;
        this.environment = environment;
    }

    /**
     * @param endpoint the endpoint host name
     * @return the region in an AWS IoT data endpoint, or null
     */
    static String regionOf(String endpoint) {
        Matcher m = AWS_IOT_ENDPOINT.matcher(endpoint.toLowerCase(java.util.Locale.ROOT));
        return m.matches() ? m.group(1) : null;
    }

    /**
     * @param configured the configured region, or empty
     * @param endpoint the endpoint
     * @return the signing region
     * @throws InvalidConfigurationException naming aws.region when there is none or it is malformed
     */
    static String region(String configured, String endpoint) {
        if (configured != null && !configured.trim().isEmpty()) {
            String r = configured.trim().toLowerCase(java.util.Locale.ROOT);
            if (!REGION.matcher(r).matches()) {
                throw new InvalidConfigurationException("aws.region", "'" + configured.trim() + "' is not an AWS region "
                        + "(like eu-west-1)");
            }
            return r;
        }
        String fromEndpoint = regionOf(endpoint);
        if (fromEndpoint == null) {
            throw new InvalidConfigurationException("aws.region", "transport wss-sigv4 signs for a region, and the "
                    + "endpoint '" + endpoint + "' names none (expected xxxx-ats.iot.<region>.amazonaws.com): set "
                    + "aws.region");
        }
        return fromEndpoint;
    }

    /**
     * @return a freshly signed URL, e.g. {@code wss://host:443/mqtt?X-Amz-Algorithm=...&X-Amz-Signature=...}
     * @throws InvalidConfigurationException naming the setting when no usable credentials are found
     */
    String sign() {
        Instant now = environment.clock().instant();
        AwsCredentials c;
        try {
            c = credentials.resolve(now);
        } catch (InvalidConfigurationException e) {
            lastCredentials = "no usable credentials (" + e.getMessage() + ")";
            throw e;
        }
        synchronized (this) {
            if (!c.sameAs(lastUsed)) {
                LOG.info("Connection '{}': signing WebSocket connections to {} ({}) with {}", connectionId, host, region,
                        c);
                lastUsed = c;
            }
        }
        lastCredentials = c.toString();
        String query = SigV4.presignedQuery("GET", host, PATH, List.of(), region, SERVICE, c, now, EXPIRES_SECONDS,
                SigV4.EMPTY_PAYLOAD_SHA256, true);
        return displayUri() + "?" + query;
    }

    /** @return the URL without its query (safe to log) */
    String displayUri() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "wss://" + h + ":" + port + PATH;
    }

    /** @return the credentials of the last signature, for error messages (no secrets) */
    String lastCredentials() {
        return lastCredentials;
    }

    String region() {
        return region;
    }

    AwsCredentialsChain credentials() {
        return credentials;
    }
}
