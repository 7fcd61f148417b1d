package org.iotgateway.mqtt.internal;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.QoS;

/**
 * A connection's validated, immutable settings. Built from {@link ConnectionConfig}; every
 * problem is reported as an {@link InvalidConfigurationException} naming the property.
 */
final class ConnectionSettings {

    /** How the connection reaches the broker and authenticates. */
    enum Transport {
        /** TLS with an X.509 client certificate, usually port 8883. */
        MQTTS("mqtts", "ssl", List.of(), true, false, false),
        /** TLS with an X.509 client certificate on port 443, ALPN {@code x-amzn-mqtt-ca}. */
        MQTTS_ALPN_443("mqtts-alpn-443", "ssl", List.of("x-amzn-mqtt-ca"), true, false, false),
        /** MQTT over WebSocket (TLS), URL presigned with SigV4. */
        WSS_SIGV4("wss-sigv4", "wss", List.of(), false, true, false),
        /** Custom authorizer over TLS on port 443, ALPN {@code mqtt}. */
        CUSTOM_AUTH("custom-auth", "ssl", List.of("mqtt"), false, false, true),
        /** Custom authorizer over MQTT over WebSocket (TLS). */
        CUSTOM_AUTH_WSS("custom-auth-wss", "wss", List.of(), false, true, true),
        /** Plain TCP, local brokers and tests. */
        TCP("tcp", "tcp", List.of(), false, false, false);

        final String id;
        final String uriScheme;
        /** ALPN protocols offered, empty for none. */
        final List<String> alpn;
        final boolean needsClientCertificate;
        final boolean websocket;
        final boolean customAuthorizer;

        Transport(String id, String uriScheme, List<String> alpn, boolean needsClientCertificate, boolean websocket,
                boolean customAuthorizer) {
            this.id = id;
            this.uriScheme = uriScheme;
            this.alpn = alpn;
            this.needsClientCertificate = needsClientCertificate;
            this.websocket = websocket;
            this.customAuthorizer = customAuthorizer;
        }

        static Transport of(String id) {
            for (Transport t : values()) {
                if (t.id.equalsIgnoreCase(id.trim())) {
                    return t;
                }
            }
            StringBuilder known = new StringBuilder();
            for (Transport t : values()) {
                known.append(known.length() == 0 ? "" : ", ").append(t.id);
            }
            throw new InvalidConfigurationException("transport", "unknown transport '" + id + "'; use one of " + known);
        }

        boolean tls() {
            return this != TCP;
        }
    }

    /** What a full offline queue does. */
    enum DropPolicy {
        DROP_OLDEST, DROP_NEWEST
    }

    /** Where the offline queue keeps publishes. */
    enum Storage {
        MEMORY, DISK
    }

    /** The last will, if any. */
    static final class Will {
        final String topic;
        final byte[] payload;
        final QoS qos;
        final boolean retain;

        Will(String topic, byte[] payload, QoS qos, boolean retain) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
        }
    }

    static final int MAX_CLIENT_ID_BYTES = 128;
    static final String METRICS_SUFFIX = "SDK=IoTGatewayBundles&Version=";
    static final String AUTHORIZER_NAME_PARAMETER = "x-amz-customauthorizer-name";
    static final String AUTHORIZER_SIGNATURE_PARAMETER = "x-amz-customauthorizer-signature";
    /** Token key names: what a query parameter name can be without escaping. */
    private static final Pattern TOKEN_KEY_NAME = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
    private static final Pattern PORT_SUFFIX = Pattern.compile(".*:\\d+$");

    final String connectionId;
    final String endpoint;
    final int port;
    final Transport transport;
    final String thingName;
    final String clientId;
    final Path caFile;
    final Path certFile;
    final Path keyFile;
    final Path keystoreFile;
    final String keystorePassword;
    final String keystoreAlias;
    /** PKCS#11 module when the private key is in a token, else null. */
    final Path pkcs11Library;
    /** Slot id, -1 for none. */
    final long pkcs11Slot;
    final String pkcs11TokenLabel;
    final String pkcs11Pin;
    final String pkcs11KeyLabel;
    /** LDAP filter selecting a TlsContextProvider service for the TLS material, empty for none. */
    final String tlsProviderTarget;
    final List<String> tlsProtocols;
    final List<String> tlsCipherSuites;
    final boolean hostnameVerification;
    final int keepAliveSeconds;
    final boolean cleanSession;
    final MqttVersion mqttVersion;
    /** MQTT 5 session expiry interval in seconds (0 to 2^32 - 1). */
    final long sessionExpirySeconds;
    /** MQTT 5 inbound topic alias maximum the client announces. */
    final int topicAliasMaximum;
    final int connectTimeoutSeconds;
    final Duration operationTimeout;
    final long backoffBaseMillis;
    final long backoffMaxMillis;
    final long stableMillis;
    final int queueSize;
    final DropPolicy dropPolicy;
    final double drainHz;
    final Storage storage;
    final String queueDirectory;
    final String queueSync;
    final int maxInflight;
    final Will will;
    final String username;
    final String password;
    final boolean metrics;
    /** The presigned URL source of wss-sigv4, null for other transports. */
    final SigV4WebSocketUrl sigv4;
    final String customAuthName;
    final String customAuthTokenKeyName;
    final String customAuthTokenValue;
    final String customAuthTokenSignature;
    /** HTTP proxy host, empty for none. */
    final String proxyHost;
    final int proxyPort;
    final String proxyUsername;
    final String proxyPassword;

    private ConnectionSettings(ConnectionConfig c, Environment environment) {
        connectionId = required("connection.id", c.connection_id());
        endpoint = validateHost(required("endpoint", c.endpoint()));
        if (c.port() < 1 || c.port() > 65535) {
            throw new InvalidConfigurationException("port", c.port() + " is not a TCP port (1-65535)");
        }
        port = c.port();
        transport = Transport.of(required("transport", c.transport()));
        thingName = trim(c.thing_name());
        String cid = trim(c.client_id());
        if (cid.isEmpty()) {
            cid = thingName;
        }
        if (cid.isEmpty()) {
            throw new InvalidConfigurationException("client.id", "neither client.id nor thing.name is set");
        }
        if (cid.getBytes(StandardCharsets.UTF_8).length > MAX_CLIENT_ID_BYTES) {
            throw new InvalidConfigurationException("client.id", "is longer than " + MAX_CLIENT_ID_BYTES + " bytes");
        }
        clientId = cid;
        caFile = path("ca.file", c.ca_file());
        certFile = path("cert.file", c.cert_file());
        keyFile = path("key.file", c.key_file());
        keystoreFile = path("keystore.file", c.keystore_file());
        keystorePassword = c.keystore_password() == null ? "" : c.keystore_password();
        keystoreAlias = trim(c.keystore_alias());
        pkcs11Library = path("pkcs11.library", c.pkcs11_library());
        pkcs11Slot = c.pkcs11_slot();
        pkcs11TokenLabel = trim(c.pkcs11_token_label());
        pkcs11Pin = c.pkcs11_pin() == null ? "" : c.pkcs11_pin();
        pkcs11KeyLabel = trim(c.pkcs11_key_label());
        if (transport.tls() && pkcs11Library != null) {
            if (keyFile != null || keystoreFile != null) {
                String other = keyFile != null ? "key.file" : "keystore.file";
                throw new InvalidConfigurationException(other, org.iotgateway.tls.Pkcs11Settings.conflict(other));
            }
            try {
                char[] pin = pkcs11Pin.toCharArray();
                org.iotgateway.tls.Pkcs11Keys.validate(pkcs11Library, pkcs11Slot, pkcs11TokenLabel, pin, pkcs11KeyLabel);
                java.util.Arrays.fill(pin, '\0');
            } catch (org.iotgateway.tls.TlsMaterialException e) {
                throw new InvalidConfigurationException(e.setting(), e.getMessage());
            }
        }
        tlsProviderTarget = trim(c.tls_provider_target());
        if (transport.tls() && !tlsProviderTarget.isEmpty() && (certFile != null || keyFile != null
                || keystoreFile != null || caFile != null || pkcs11Library != null)) {
            throw new InvalidConfigurationException("tls.provider.target", "takes the whole TLS material (client key, "
                    + "certificate and trusted CAs) from the provider: leave ca.file, cert.file, key.file and "
                    + "keystore.file empty, and pkcs11.library too");
        }
        if (transport.tls() && pkcs11Library == null && (certFile == null) != (keyFile == null)) {
            throw new InvalidConfigurationException(certFile == null ? "cert.file" : "key.file",
                    "cert.file and key.file must be set together");
        }
        if (transport.tls() && certFile != null && keystoreFile != null) {
            throw new InvalidConfigurationException("keystore.file",
                    "set either keystore.file or cert.file and key.file, not both");
        }
        if (transport.needsClientCertificate && certFile == null && keystoreFile == null
                && tlsProviderTarget.isEmpty() && pkcs11Library == null) {
            throw new InvalidConfigurationException("cert.file", "transport " + transport.id
                    + " authenticates with a device certificate: set cert.file and key.file, keystore.file, or "
                    + "tls.provider.target");
        }
        tlsProtocols = list(c.tls_protocols());
        if (transport.tls() && tlsProtocols.isEmpty()) {
            throw new InvalidConfigurationException("tls.protocols", "is empty; use TLSv1.3 and/or TLSv1.2");
        }
        tlsCipherSuites = list(c.tls_cipher_suites());
        hostnameVerification = c.hostname_verification();
        keepAliveSeconds = nonNegative("keep.alive", c.keep_alive());
        cleanSession = c.clean_session();
        mqttVersion = mqttVersion(c.mqtt_version());
        if (c.session_expiry() < 0 || c.session_expiry() > 0xFFFF_FFFFL) {
            throw new InvalidConfigurationException("session.expiry", c.session_expiry()
                    + " is outside 0-4294967295 seconds");
        }
        sessionExpirySeconds = c.session_expiry();
        if (c.topic_alias_maximum() < 0 || c.topic_alias_maximum() > 65535) {
            throw new InvalidConfigurationException("topic.alias.maximum", c.topic_alias_maximum()
                    + " is outside 0-65535");
        }
        topicAliasMaximum = c.topic_alias_maximum();
        connectTimeoutSeconds = positive("connect.timeout", c.connect_timeout());
        operationTimeout = Duration.ofSeconds(positive("operation.timeout", c.operation_timeout()));
        backoffBaseMillis = positive("reconnect.backoff.base.ms", c.reconnect_backoff_base_ms());
        backoffMaxMillis = positive("reconnect.backoff.max.ms", c.reconnect_backoff_max_ms());
        if (backoffMaxMillis < backoffBaseMillis) {
            throw new InvalidConfigurationException("reconnect.backoff.max.ms",
                    backoffMaxMillis + " is below reconnect.backoff.base.ms " + backoffBaseMillis);
        }
        if (c.reconnect_stable_ms() < 0) {
            throw new InvalidConfigurationException("reconnect.stable.ms", "must not be negative");
        }
        stableMillis = c.reconnect_stable_ms();
        if (c.queue_size() < -1) {
            throw new InvalidConfigurationException("queue.size", c.queue_size() + " is invalid; use -1 (unbounded), 0 (off) or a size");
        }
        queueSize = c.queue_size();
        dropPolicy = enumValue("queue.drop", DropPolicy.class, c.queue_drop());
        double hz = c.queue_drain_frequency();
        if (Double.isNaN(hz) || hz < 0 || Double.isInfinite(hz)) {
            throw new InvalidConfigurationException("queue.drain.frequency", hz + " is not a frequency in Hz (0 = unlimited)");
        }
        drainHz = hz;
        storage = enumValue("queue.storage", Storage.class, c.queue_storage());
        queueDirectory = trim(c.queue_directory());
        String sync = trim(c.queue_disk_sync()).toLowerCase(Locale.ROOT);
        if (!sync.equals("write") && !sync.equals("fsync")) {
            throw new InvalidConfigurationException("queue.disk.sync", "'" + c.queue_disk_sync() + "' is not write or fsync");
        }
        queueSync = sync;
        if (c.max_inflight() < 1 || c.max_inflight() > 65535) {
            throw new InvalidConfigurationException("max.inflight", c.max_inflight() + " is outside 1-65535");
        }
        maxInflight = c.max_inflight();
        String willTopic = trim(c.will_topic());
        if (willTopic.isEmpty()) {
            will = null;
        } else {
            try {
                Topics.validateTopic(willTopic);
            } catch (RuntimeException e) {
                throw new InvalidConfigurationException("will.topic", e.getMessage());
            }
            QoS q;
            try {
                q = QoS.of(c.will_qos());
            } catch (RuntimeException e) {
                throw new InvalidConfigurationException("will.qos", e.getMessage());
            }
            byte[] payload = c.will_payload() == null ? new byte[0] : c.will_payload().getBytes(StandardCharsets.UTF_8);
            will = new Will(willTopic, payload, q, c.will_retain());
        }
        username = trim(c.username());
        password = c.password() == null ? "" : c.password();
        metrics = c.metrics_enabled();

        if (transport == Transport.WSS_SIGV4) {
            String region = SigV4WebSocketUrl.region(c.aws_region(), endpoint);
            AwsCredentialsChain chain = new AwsCredentialsChain(c.aws_access_key_id(), c.aws_secret_access_key(),
                    c.aws_session_token(), c.aws_profile(), c.aws_credentials_file(), environment);
            sigv4 = new SigV4WebSocketUrl(connectionId, endpoint.toLowerCase(Locale.ROOT), port, region, chain,
                    environment);
        } else {
            sigv4 = null;
        }

        customAuthName = trim(c.custom_auth_name());
        customAuthTokenKeyName = trim(c.custom_auth_token_key_name());
        customAuthTokenValue = c.custom_auth_token_value() == null ? "" : c.custom_auth_token_value().trim();
        customAuthTokenSignature = c.custom_auth_token_signature() == null ? "" : c.custom_auth_token_signature().trim();
        if (transport.customAuthorizer) {
            if (!customAuthTokenKeyName.isEmpty() && !TOKEN_KEY_NAME.matcher(customAuthTokenKeyName).matches()) {
                throw new InvalidConfigurationException("custom.auth.token.key.name", "'" + customAuthTokenKeyName
                        + "' is not a token key name (letters, digits, '.', '_', '~', '-')");
            }
            if (customAuthTokenKeyName.isEmpty() != customAuthTokenValue.isEmpty()) {
                throw new InvalidConfigurationException(customAuthTokenKeyName.isEmpty() ? "custom.auth.token.key.name"
                        : "custom.auth.token.value", "custom.auth.token.key.name and custom.auth.token.value must be "
                                + "set together");
            }
            if (!customAuthTokenSignature.isEmpty() && customAuthTokenKeyName.isEmpty()) {
                throw new InvalidConfigurationException("custom.auth.token.key.name", "a token signature "
                        + "(custom.auth.token.signature) signs a token: set custom.auth.token.key.name and "
                        + "custom.auth.token.value too");
            }
            if (customAuthName.isEmpty() && customAuthTokenKeyName.isEmpty() && username.isEmpty()
                    && password.isEmpty()) {
                throw new InvalidConfigurationException("custom.auth.name", "transport " + transport.id
                        + " passes credentials to a custom authorizer: set custom.auth.name and the token settings, "
                        + "or username and password");
            }
        }

        proxyHost = trim(c.proxy_host());
        proxyUsername = trim(c.proxy_username());
        proxyPassword = c.proxy_password() == null ? "" : c.proxy_password();
        if (!proxyHost.isEmpty()) {
            if (proxyHost.contains("://") || proxyHost.contains("/") || proxyHost.contains(" ")
                    || (PORT_SUFFIX.matcher(proxyHost).matches() && proxyHost.indexOf(':') == proxyHost.lastIndexOf(':'))) {
                throw new InvalidConfigurationException("proxy.host", "'" + proxyHost
                        + "' is not a host name (give the name only, e.g. proxy.plant.local, and the port in proxy.port)");
            }
            if (c.proxy_port() < 1 || c.proxy_port() > 65535) {
                throw new InvalidConfigurationException("proxy.port", c.proxy_port() + " is not a TCP port (1-65535)");
            }
            if (proxyUsername.isEmpty() && !proxyPassword.isEmpty()) {
                throw new InvalidConfigurationException("proxy.username", "is required when proxy.password is set");
            }
        }
        proxyPort = c.proxy_port();
    }

    /** @return the protocol version of a {@code mqtt.version} value: 3.1.1 (also 311, 4) or 5 (also 5.0) */
    static MqttVersion mqttVersion(String value) {
        // strip(), not trim(): a control character is an error, not white space
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        switch (v) {
            case "":
            case "3.1.1":
            case "311":
            case "4":
                return MqttVersion.MQTT_3_1_1;
            case "5":
            case "5.0":
                return MqttVersion.MQTT_5;
            default:
                throw new InvalidConfigurationException("mqtt.version", "'" + printable(String.valueOf(value))
                        + "' is not an MQTT version; use 3.1.1 or 5");
        }
    }

    /** @return "3.1.1" or "5", as configured */
    String mqttVersionName() {
        return mqttVersion == MqttVersion.MQTT_5 ? "5" : "3.1.1";
    }

    static ConnectionSettings from(ConnectionConfig config) {
        return new ConnectionSettings(config, Environment.system());
    }

    /**
     * @param config the configuration
     * @param environment environment variables, home directory and clock (tests)
     * @return the settings
     */
    static ConnectionSettings from(ConnectionConfig config, Environment environment) {
        return new ConnectionSettings(config, environment);
    }

    /**
     * @return the server URI for logs and messages: never contains a signature or token (a WebSocket URL without its
     *         query)
     */
    String serverUri() {
        if (sigv4 != null) {
            return sigv4.displayUri();
        }
        String host = endpoint.indexOf(':') >= 0 ? "[" + endpoint + "]" : endpoint;
        return transport.uriScheme + "://" + host + ":" + port + (transport.websocket ? SigV4WebSocketUrl.PATH : "");
    }

    /**
     * The URI Paho connects to, computed for each connection attempt: for wss-sigv4 a URL freshly signed with the
     * current time and the credentials found now. Contains secrets (the session token): never log it.
     *
     * @return the URI for this attempt
     * @throws InvalidConfigurationException naming the setting when wss-sigv4 finds no usable credentials (the
     *         connection retries with backoff)
     */
    String connectUri() {
        return sigv4 != null ? sigv4.sign() : serverUri();
    }

    /** @return whether the connection goes through an HTTP proxy */
    boolean proxied() {
        return !proxyHost.isEmpty();
    }

    /**
     * The CONNECT user name: the configured one, then for the custom authorizer transports the authorizer name,
     * token and token signature, then the SDK metrics suffix; one '?' before the first parameter (or '&amp;' if the
     * user name has a query already), '&amp;' between parameters.
     *
     * @return the CONNECT user name, or {@code null} for none
     */
    String effectiveUsername(String version) {
        List<String> parameters = new ArrayList<>();
        if (transport.customAuthorizer) {
            if (!customAuthName.isEmpty()) {
                parameters.add(AUTHORIZER_NAME_PARAMETER + "=" + queryValue(customAuthName));
            }
            if (!customAuthTokenKeyName.isEmpty()) {
                parameters.add(customAuthTokenKeyName + "=" + queryValue(customAuthTokenValue));
            }
            if (!customAuthTokenSignature.isEmpty()) {
                parameters.add(AUTHORIZER_SIGNATURE_PARAMETER + "=" + queryValue(customAuthTokenSignature));
            }
        }
        if (metrics && transport != Transport.TCP) {
            parameters.add(METRICS_SUFFIX + version);
        }
        if (parameters.isEmpty()) {
            return username.isEmpty() ? null : username;
        }
        String separator = username.indexOf('?') < 0 ? "?" : username.endsWith("?") || username.endsWith("&") ? "" : "&";
        return username + separator + String.join("&", parameters);
    }

    /**
     * @return the value percent-encoded for a query string (unreserved characters kept), unless it contains '%' and
     *         so is taken to be encoded already
     */
    static String queryValue(String value) {
        return value.indexOf('%') >= 0 ? value : SigV4.uriEncode(value, false);
    }

    /** @return whether switching to these settings needs a new spool */
    boolean sameStorage(ConnectionSettings other) {
        return storage == other.storage && queueDirectory.equals(other.queueDirectory) && queueSync.equals(other.queueSync)
                && connectionId.equals(other.connectionId);
    }

    @Override
    public String toString() {
        // never includes passwords, tokens, signatures or key material
        return "connection '" + connectionId + "' (" + transport.id + "://" + endpoint + ":" + port + ", client id '" + clientId
                + "', MQTT " + mqttVersionName() + (proxied() ? ", via HTTP proxy " + proxyHost + ":" + proxyPort : "") + ")";
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    /** @return the comma- or white-space-separated items, without empty ones */
    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : trim(value).split("[,\\s]+")) {
            if (!item.isEmpty()) {
                items.add(item);
            }
        }
        return List.copyOf(items);
    }

    private static String required(String property, String value) {
        String v = trim(value);
        if (v.isEmpty()) {
            throw new InvalidConfigurationException(property, "is required");
        }
        return v;
    }

    private static Path path(String property, String value) {
        String v = trim(value);
        if (v.isEmpty()) {
            return null;
        }
        try {
            return Paths.get(v);
        } catch (RuntimeException e) {
            // the message may quote the path: control characters (a NUL...) are shown escaped, not written to the log
            throw new InvalidConfigurationException(property, "'" + printable(v) + "' is not a valid path: "
                    + printable(String.valueOf(e.getMessage())));
        }
    }

    /** @return the text with control characters written as Java unicode escapes */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static int positive(String property, int value) {
        if (value <= 0) {
            throw new InvalidConfigurationException(property, value + " must be positive");
        }
        return value;
    }

    private static long positive(String property, long value) {
        if (value <= 0) {
            throw new InvalidConfigurationException(property, value + " must be positive");
        }
        return value;
    }

    private static int nonNegative(String property, int value) {
        if (value < 0) {
            throw new InvalidConfigurationException(property, value + " must not be negative");
        }
        return value;
    }

    private static <E extends Enum<E>> E enumValue(String property, Class<E> type, String value) {
        String v = trim(value);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw new InvalidConfigurationException(property, "'" + value + "' is not one of " + allowed);
    }

    private static String validateHost(String host) {
        if (host.contains("://") || host.contains("/") || host.contains(" ")) {
            throw new InvalidConfigurationException("endpoint",
                    "'" + host + "' is not a host name (give the name only, e.g. xxxx-ats.iot.eu-west-1.amazonaws.com, without scheme, port or path)");
        }
        try {
            IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
            if (host.indexOf(':') < 0) { // IPv6 literals are fine
                throw new InvalidConfigurationException("endpoint", "'" + host + "' is not a valid host name: " + e.getMessage());
            }
        }
        return host;
    }
}
