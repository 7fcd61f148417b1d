package org.iotgateway.mqtt.internal;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;

import org.iotgateway.api.QoS;

/**
 * A connection's validated, immutable settings. Built from {@link ConnectionConfig}; every
 * problem is reported as an {@link InvalidConfigurationException} naming the property.
 */
final class ConnectionSettings {

    /** How the connection reaches the broker. */
    enum Transport {
        MQTTS("mqtts", "ssl"), TCP("tcp", "tcp");

        final String id;
        final String uriScheme;

        Transport(String id, String uriScheme) {
            this.id = id;
            this.uriScheme = uriScheme;
        }

        static Transport of(String id) {
            for (Transport t : values()) {
                if (t.id.equalsIgnoreCase(id.trim())) {
                    return t;
                }
            }
            throw new InvalidConfigurationException("transport", "unknown transport '" + id + "'; use one of mqtts, tcp");
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

    final String connectionId;
    final String endpoint;
    final int port;
    final Transport transport;
    final String thingName;
    final String clientId;
    final Path caFile;
    final Path certFile;
    final Path keyFile;
    final boolean hostnameVerification;
    final int keepAliveSeconds;
    final boolean cleanSession;
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

    private ConnectionSettings(ConnectionConfig c) {
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
        if (transport.tls() && (certFile == null) != (keyFile == null)) {
            throw new InvalidConfigurationException(certFile == null ? "cert.file" : "key.file",
                    "cert.file and key.file must be set together");
        }
        if (transport == Transport.MQTTS && certFile == null) {
            throw new InvalidConfigurationException("cert.file",
                    "transport mqtts authenticates with a device certificate: set cert.file and key.file");
        }
        hostnameVerification = c.hostname_verification();
        keepAliveSeconds = nonNegative("keep.alive", c.keep_alive());
        cleanSession = c.clean_session();
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
    }

    static ConnectionSettings from(ConnectionConfig config) {
        return new ConnectionSettings(config);
    }

    /** @return the MQTT server URI Paho connects to */
    String serverUri() {
        String host = endpoint.indexOf(':') >= 0 ? "[" + endpoint + "]" : endpoint;
        return transport.uriScheme + "://" + host + ":" + port;
    }

    /** @return the CONNECT user name, with the SDK metrics suffix where it applies, or {@code null} */
    String effectiveUsername(String version) {
        if (!metrics || transport == Transport.TCP) {
            return username.isEmpty() ? null : username;
        }
        String suffix = METRICS_SUFFIX + version;
        return username + (username.indexOf('?') >= 0 ? "&" : "?") + suffix;
    }

    /** @return whether switching to these settings needs a new spool */
    boolean sameStorage(ConnectionSettings other) {
        return storage == other.storage && queueDirectory.equals(other.queueDirectory) && queueSync.equals(other.queueSync)
                && connectionId.equals(other.connectionId);
    }

    @Override
    public String toString() {
        // never includes the password or key material
        return "connection '" + connectionId + "' (" + transport.id + "://" + endpoint + ":" + port + ", client id '" + clientId
                + "')";
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
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
            throw new InvalidConfigurationException(property, "'" + v + "' is not a valid path: " + e.getMessage());
        }
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
