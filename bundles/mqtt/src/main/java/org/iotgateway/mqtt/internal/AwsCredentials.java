package org.iotgateway.mqtt.internal;

import java.time.Instant;
import java.util.Objects;

/**
 * AWS credentials for signing, with where they came from. {@link #toString()} shows the source and a shortened
 * access key id, never the secret key or the session token.
 */
final class AwsCredentials {

    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    private final Instant expiration;
    private final String source;
    private final String setting;

    /**
     * @param accessKeyId access key id
     * @param secretAccessKey secret access key
     * @param sessionToken session token of temporary credentials, or null
     * @param expiration when temporary credentials expire, or null if unknown
     * @param source where they came from, for messages, e.g. "profile 'plant' of /etc/aws/credentials"
     * @param setting the configuration setting to look at when they do not work
     */
    AwsCredentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration, String source,
            String setting) {
        this.accessKeyId = Objects.requireNonNull(accessKeyId);
        this.secretAccessKey = Objects.requireNonNull(secretAccessKey);
        this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
        this.expiration = expiration;
        this.source = source;
        this.setting = setting;
    }

    String accessKeyId() {
        return accessKeyId;
    }

    String secretAccessKey() {
        return secretAccessKey;
    }

    /** @return the session token, or null */
    String sessionToken() {
        return sessionToken;
    }

    /** @return the expiration, or null if unknown */
    Instant expiration() {
        return expiration;
    }

    String source() {
        return source;
    }

    String setting() {
        return setting;
    }

    /** @return the access key id shortened for logs, e.g. AKIA...MPLE */
    String maskedAccessKeyId() {
        return mask(accessKeyId);
    }

    static String mask(String keyId) {
        if (keyId.length() <= 8) {
            return "****";
        }
        return keyId.substring(0, 4) + "..." + keyId.substring(keyId.length() - 4);
    }

    /** @return whether these are the same credentials (same key, secret and token) */
    boolean sameAs(AwsCredentials other) {
        return other != null && accessKeyId.equals(other.accessKeyId) && secretAccessKey.equals(other.secretAccessKey)
                && Objects.equals(sessionToken, other.sessionToken);
    }

    @Override
    public String toString() {
        return "AWS credentials " + maskedAccessKeyId() + " from " + source
                + (sessionToken == null ? "" : ", with session token")
                + (expiration == null ? "" : ", expiring " + expiration);
    }
}
