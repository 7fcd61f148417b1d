package org.iotgateway.greengrass.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An auto-connect's validated, immutable settings, built from {@link AutoConnectConfig}; every problem is an
 * {@link InvalidConfigurationException} naming the property.
 */
final class AutoConnectSettings {

    static final int MAX_CLIENT_ID_BYTES = 128;

    final String thingName;
    final String connectionId;
    final String clientId;
    final String groupId;
    final String core;
    final String metadata;
    final boolean hostnameVerification;
    final Duration connectTimeout;
    final Duration rediscoveryAfter;
    final long retryBaseMillis;
    final long retryMaxMillis;

    private AutoConnectSettings(AutoConnectConfig c) {
        thingName = DiscoverySettings.required("thing.name", c.thing_name());
        if (!DiscoveryClient.THING_NAME.matcher(thingName).matches()) {
            throw new InvalidConfigurationException("thing.name", "'" + thingName + "' is invalid: use 1 to 128 "
                    + "characters of letters, digits, ':', '_' and '-'");
        }
        connectionId = DiscoverySettings.required("connection.id", c.connection_id());
        String cid = DiscoverySettings.trim(c.client_id());
        clientId = cid.isEmpty() ? thingName : cid;
        if (clientId.getBytes(StandardCharsets.UTF_8).length > MAX_CLIENT_ID_BYTES) {
            throw new InvalidConfigurationException("client.id", "is longer than " + MAX_CLIENT_ID_BYTES + " bytes");
        }
        groupId = DiscoverySettings.trim(c.group_id());
        core = DiscoverySettings.trim(c.core_arn());
        metadata = DiscoverySettings.trim(c.connectivity_metadata());
        hostnameVerification = c.hostname_verification();
        if (c.connect_timeout() < 1) {
            throw new InvalidConfigurationException("connect.timeout", c.connect_timeout()
                    + " must be at least 1 second");
        }
        connectTimeout = Duration.ofSeconds(c.connect_timeout());
        if (c.rediscovery_after_ms() < 1) {
            throw new InvalidConfigurationException("rediscovery.after.ms", "must be positive");
        }
        rediscoveryAfter = Duration.ofMillis(c.rediscovery_after_ms());
        if (c.retry_backoff_base_ms() < 1) {
            throw new InvalidConfigurationException("retry.backoff.base.ms", "must be positive");
        }
        retryBaseMillis = c.retry_backoff_base_ms();
        if (c.retry_backoff_max_ms() < retryBaseMillis) {
            throw new InvalidConfigurationException("retry.backoff.max.ms", c.retry_backoff_max_ms()
                    + " is below retry.backoff.base.ms " + retryBaseMillis);
        }
        retryMaxMillis = c.retry_backoff_max_ms();
    }

    static AutoConnectSettings from(AutoConnectConfig config) {
        return new AutoConnectSettings(config);
    }

    /** @return the selection filters in words, for messages */
    String filters() {
        StringBuilder sb = new StringBuilder();
        if (!groupId.isEmpty()) {
            sb.append("group.id=").append(groupId);
        }
        if (!core.isEmpty()) {
            sb.append(sb.length() == 0 ? "" : ", ").append("core.arn=").append(core);
        }
        if (!metadata.isEmpty()) {
            sb.append(sb.length() == 0 ? "" : ", ").append("connectivity.metadata contains '").append(metadata)
                    .append('\'');
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    @Override
    public String toString() {
        return "auto-connect of thing '" + thingName + "' to connection '" + connectionId + "' (filters: " + filters()
                + ")";
    }
}
