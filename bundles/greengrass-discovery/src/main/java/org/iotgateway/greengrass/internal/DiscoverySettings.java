package org.iotgateway.greengrass.internal;

import java.net.IDN;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.iotgateway.api.discovery.GreengrassDiscovery;

/**
 * A discovery client's validated, immutable settings, built from {@link DiscoveryConfig}; every problem is an
 * {@link InvalidConfigurationException} naming the property. {@link #toString()} never shows passwords.
 */
final class DiscoverySettings {

    static final int HTTPS_PORT = 443;

    final String discoveryId;
    final String endpoint;
    final int port;
    final Path caFile;
    final Credentials credentials;
    final boolean hostnameVerification;
    final Duration timeout;
    final int attempts;
    final long backoffBaseMillis;
    final long backoffMaxMillis;
    final int maxResponseBytes;
    /** ALPN protocols to offer: {@code x-amzn-http-ca} on port 443, none otherwise. */
    final List<String> alpn;
    final String proxyHost;
    final int proxyPort;
    final String proxyUsername;
    final String proxyPassword;

    private DiscoverySettings(DiscoveryConfig c, List<String> alpnOverride) {
        discoveryId = required("discovery.id", c.discovery_id());
        endpoint = host("endpoint", required("endpoint", c.endpoint()));
        port = port("port", c.port());
        caFile = Credentials.path("ca.file", c.ca_file());
        credentials = Credentials.of(c.cert_file(), c.key_file(), c.keystore_file(), c.keystore_password(),
                c.keystore_alias(), Credentials.pkcs11(c.pkcs11_library(), c.pkcs11_slot(), c.pkcs11_token_label(),
                        c.pkcs11_pin(), c.pkcs11_key_label(), c.key_file(), c.keystore_file()));
        hostnameVerification = c.hostname_verification();
        if (c.timeout() < 1) {
            throw new InvalidConfigurationException("timeout", c.timeout() + " must be at least 1 second");
        }
        timeout = Duration.ofSeconds(c.timeout());
        if (c.retry_attempts() < 1 || c.retry_attempts() > 20) {
            throw new InvalidConfigurationException("retry.attempts", c.retry_attempts() + " is outside 1-20");
        }
        attempts = c.retry_attempts();
        if (c.retry_backoff_base_ms() < 1) {
            throw new InvalidConfigurationException("retry.backoff.base.ms", "must be positive");
        }
        backoffBaseMillis = c.retry_backoff_base_ms();
        if (c.retry_backoff_max_ms() < backoffBaseMillis) {
            throw new InvalidConfigurationException("retry.backoff.max.ms", c.retry_backoff_max_ms()
                    + " is below retry.backoff.base.ms " + backoffBaseMillis);
        }
        backoffMaxMillis = c.retry_backoff_max_ms();
        if (c.max_response_bytes() < 1024 || c.max_response_bytes() > 64 * 1024 * 1024) {
            throw new InvalidConfigurationException("max.response.bytes", c.max_response_bytes()
                    + " is outside 1024 to 67108864");
        }
        maxResponseBytes = c.max_response_bytes();
        alpn = alpnOverride != null ? List.copyOf(alpnOverride)
                : port == HTTPS_PORT ? List.of(GreengrassDiscovery.ALPN_PROTOCOL) : List.of();
        String ph = trim(c.proxy_host());
        proxyHost = ph.isEmpty() ? null : host("proxy.host", ph);
        proxyPort = port("proxy.port", c.proxy_port());
        proxyUsername = trim(c.proxy_username());
        proxyPassword = c.proxy_password() == null ? "" : c.proxy_password();
        if (proxyUsername.isEmpty() && !proxyPassword.isEmpty()) {
            throw new InvalidConfigurationException("proxy.username", "a proxy password is set without user name");
        }
    }

    static DiscoverySettings from(DiscoveryConfig config) {
        return new DiscoverySettings(config, null);
    }

    /** For tests: offer these ALPN protocols whatever the port. */
    static DiscoverySettings from(DiscoveryConfig config, List<String> alpn) {
        return new DiscoverySettings(config, alpn);
    }

    /** @return {@code host:port}, for messages */
    String address() {
        return (endpoint.indexOf(':') >= 0 ? "[" + endpoint + "]" : endpoint) + ":" + port;
    }

    /**
     * @return the longest a discovery can take: every attempt up to the timeout, and the largest backoff between
     *         two
     */
    Duration worstCase() {
        return timeout.multipliedBy(attempts).plusMillis(backoffMaxMillis * (attempts - 1));
    }

    @Override
    public String toString() {
        return "discovery '" + discoveryId + "' (https://" + address() + ", " + credentials
                + (caFile == null ? "" : ", CA " + caFile) + (proxyHost == null ? "" : ", via proxy " + proxyHost + ":"
                        + proxyPort) + ")";
    }

    static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    static String required(String property, String value) {
        String v = trim(value);
        if (v.isEmpty()) {
            throw new InvalidConfigurationException(property, "is required");
        }
        return v;
    }

    static int port(String property, int port) {
        if (port < 1 || port > 65535) {
            throw new InvalidConfigurationException(property, port + " is not a TCP port (1-65535)");
        }
        return port;
    }

    static String host(String property, String host) {
        if (host.contains("://") || host.contains("/") || host.contains(" ")
                || (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':'))) {
            throw new InvalidConfigurationException(property, "'" + host + "' is not a host name (give the name only, "
                    + "e.g. greengrass-ats.iot.eu-west-1.amazonaws.com, without scheme, port or path)");
        }
        if (host.indexOf(':') < 0) { // IPv6 literals are fine
            try {
                IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(property, "'" + host + "' is not a valid host name: "
                        + e.getMessage());
            }
        }
        return host;
    }
}
