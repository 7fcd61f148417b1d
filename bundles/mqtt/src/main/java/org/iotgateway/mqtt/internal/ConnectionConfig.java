package org.iotgateway.mqtt.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of one connection (factory PID {@value ConnectionComponent#FACTORY_PID}).
 * This is also the form users see in the Felix Web Console and the Kura web UI.
 */
@ObjectClassDefinition(id = ConnectionComponent.FACTORY_PID, name = "AWS IoT Connection",
        description = "An MQTT connection to AWS IoT Core, a Greengrass core or a local broker. Registers an "
                + "IoTConnection service that apps, shadows and jobs use; reconnects forever and queues publishes "
                + "while offline.")
@interface ConnectionConfig {

    @AttributeDefinition(name = "Connection id", description = "Name apps use to select this connection, "
            + "e.g. with the target filter (connection.id=aws). Unique per gateway.")
    String connection_id() default "aws";

    @AttributeDefinition(name = "Endpoint", description = "Broker host name, e.g. the account's AWS IoT data endpoint "
            + "xxxxxxxxxxxxxx-ats.iot.eu-west-1.amazonaws.com, or localhost for the emulator.")
    String endpoint() default "localhost";

    @AttributeDefinition(name = "Port", description = "Broker port: 8883 for mqtts; 443 for mqtts-alpn-443, wss-sigv4, "
            + "custom-auth and custom-auth-wss; 1883 for plain local brokers.", min = "1", max = "65535")
    int port() default 8883;

    @AttributeDefinition(name = "Transport", description = "How to reach the broker and authenticate. The 443 "
            + "transports pass firewalls that only open HTTPS (set the port to 443).", options = {
            @Option(label = "MQTT over TLS, X.509 client certificate (port 8883)", value = "mqtts"),
            @Option(label = "MQTT over TLS on port 443 with ALPN x-amzn-mqtt-ca, X.509 client certificate",
                    value = "mqtts-alpn-443"),
            @Option(label = "MQTT over WebSocket (wss, port 443), signed with AWS credentials (SigV4)",
                    value = "wss-sigv4"),
            @Option(label = "Custom authorizer, MQTT over TLS on port 443 with ALPN mqtt", value = "custom-auth"),
            @Option(label = "Custom authorizer, MQTT over WebSocket (wss, port 443)", value = "custom-auth-wss"),
            @Option(label = "Plain TCP, no TLS (local brokers and tests only)", value = "tcp") })
    String transport() default "mqtts";

    @AttributeDefinition(name = "Thing name", description = "The AWS IoT thing this gateway is. "
            + "Also the default client id.", required = false)
    String thing_name() default "";

    @AttributeDefinition(name = "Client id", description = "MQTT client id (at most 128 bytes). Empty: the thing name. "
            + "Two connections with the same client id take the session from each other.", required = false)
    String client_id() default "";

    @AttributeDefinition(name = "Root CA file", description = "PEM file of the CA certificate(s) that signed the broker's "
            + "certificate, e.g. AmazonRootCA1.pem. Empty: the JVM's default trust store.", required = false)
    String ca_file() default "";

    @AttributeDefinition(name = "Certificate file", description = "PEM file of the device certificate "
            + "(xxxx-certificate.pem.crt), optionally followed by its chain.", required = false)
    String cert_file() default "";

    @AttributeDefinition(name = "Private key file", description = "PEM file of the device's private key: "
            + "PKCS#1 (BEGIN RSA PRIVATE KEY, as the AWS console gives it), PKCS#8 or SEC1 EC.", required = false)
    String key_file() default "";

    @AttributeDefinition(name = "Keystore file", description = "PKCS#12 (.p12, .pfx) or JKS keystore holding the device's "
            + "private key and certificate chain: the alternative to the certificate and private key files.",
            required = false)
    String keystore_file() default "";

    @AttributeDefinition(name = "Keystore password", description = "Password of the keystore, also used for the key "
            + "entry.", type = AttributeType.PASSWORD, required = false)
    String keystore_password() default "";

    @AttributeDefinition(name = "Keystore key alias", description = "Alias of the device key entry. Empty: the "
            + "keystore's only private key.", required = false)
    String keystore_alias() default "";

    @AttributeDefinition(name = "PKCS#11 library", description = "Path of the PKCS#11 module of a hardware token that "
            + "holds the device's private key, e.g. /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so (TPM), "
            + "opensc-pkcs11.so (smart card), an HSM vendor's module, or libsofthsm2.so. Set: the key is used in the "
            + "token and never leaves it (instead of the private key file or keystore); the certificate comes from the "
            + "certificate file or, when that is empty, from the token.", required = false)
    String pkcs11_library() default "";

    @AttributeDefinition(name = "PKCS#11 slot id", description = "Slot of the token. -1: select by token label, or "
            + "the library's first slot when no label is set.", required = false)
    long pkcs11_slot() default -1;

    @AttributeDefinition(name = "PKCS#11 token label", description = "Label of the token (instead of the slot id).",
            required = false)
    String pkcs11_token_label() default "";

    @AttributeDefinition(name = "PKCS#11 user PIN", description = "User PIN of the token. A PIN the token refuses is "
            + "reported once and not retried (wrong PINs lock tokens) until the configuration changes.",
            type = AttributeType.PASSWORD, required = false)
    String pkcs11_pin() default "";

    @AttributeDefinition(name = "PKCS#11 key label", description = "Label (CKA_LABEL, keystore alias) of the private "
            + "key in the token; the token must hold a certificate with the key's CKA_ID.", required = false)
    String pkcs11_key_label() default "";

    @AttributeDefinition(name = "TLS material provider", description = "LDAP filter selecting a TLS context "
            + "provider service that supplies the client key, certificate and trusted CAs instead of the files above, "
            + "e.g. on Eclipse Kura (kura.service.pid=org.eclipse.kura.ssl.SslManagerService) for Kura's SSL manager "
            + "or a keystore service. The connection reconnects when the provider's material changes. Empty: the "
            + "files above.", required = false)
    String tls_provider_target() default "";

    @AttributeDefinition(name = "TLS versions", description = "Comma-separated TLS versions to enable: TLSv1.3 and/or "
            + "TLSv1.2. Older versions are refused.")
    String tls_protocols() default "TLSv1.3,TLSv1.2";

    @AttributeDefinition(name = "TLS cipher suites", description = "Comma-separated cipher suites (Java/IANA names) to "
            + "enable. Empty: the Java runtime's defaults.", required = false)
    String tls_cipher_suites() default "";

    @AttributeDefinition(name = "Verify host name", description = "Check that the broker's certificate matches the "
            + "endpoint. Leave on: switching it off allows man-in-the-middle attacks.")
    boolean hostname_verification() default true;

    @AttributeDefinition(name = "Keep-alive (s)", description = "MQTT keep-alive interval. After this long without "
            + "a packet from the broker a PINGREQ is sent, and without an answer the connection is declared dead at 1.5 "
            + "intervals of silence and replaced. AWS IoT accepts 30 to 1200.", min = "0")
    int keep_alive() default 30;

    @AttributeDefinition(name = "MQTT version", description = "Protocol version. MQTT 5 adds message properties "
            + "(expiry, user properties, content type, response topic, correlation data), reason codes on failures, "
            + "session expiry and topic aliases; apps, shadows and jobs work unchanged on either. AWS IoT Core "
            + "supports both.", options = { @Option(label = "MQTT 3.1.1", value = "3.1.1"),
                    @Option(label = "MQTT 5", value = "5") })
    String mqtt_version() default "3.1.1";

    @AttributeDefinition(name = "Clean session", description = "Start every connection with a clean session. "
            + "Off: the broker keeps subscriptions and queued QoS 1 messages while the gateway is away. On MQTT 5 this "
            + "is Clean Start, and how long the broker keeps the session is the session expiry below.")
    boolean clean_session() default true;

    @AttributeDefinition(name = "Session expiry (s)", description = "MQTT 5 only (ignored on 3.1.1): how long the "
            + "broker keeps the session after the connection ends. 0: the session ends with the connection. With "
            + "clean session off and an expiry above 0 a reconnect resumes the session: the broker keeps the "
            + "subscriptions (they are not sent again) and the QoS 1 messages that arrived meanwhile. At most "
            + "4294967295 (never expires).", min = "0", max = "4294967295")
    long session_expiry() default 0;

    @AttributeDefinition(name = "Inbound topic aliases", description = "MQTT 5 only: how many topic aliases the "
            + "broker may use on messages to this client (0: none). Outbound aliases follow the broker's limit "
            + "(its topic alias maximum) automatically.", min = "0", max = "65535")
    int topic_alias_maximum() default 0;

    @AttributeDefinition(name = "Connect timeout (s)", description = "How long one connection attempt may take.",
            min = "1")
    int connect_timeout() default 10;

    @AttributeDefinition(name = "Operation timeout (s)", description = "How long the blocking variants of publish, "
            + "subscribe and unsubscribe wait.", min = "1")
    int operation_timeout() default 30;

    @AttributeDefinition(name = "Reconnect backoff base (ms)", description = "First reconnect delay; doubles on every "
            + "failed attempt.", min = "1")
    long reconnect_backoff_base_ms() default 1000;

    @AttributeDefinition(name = "Reconnect backoff max (ms)", description = "Largest reconnect delay.", min = "1")
    long reconnect_backoff_max_ms() default 32000;

    @AttributeDefinition(name = "Stable connection time (ms)", description = "The backoff returns to its base only "
            + "after a connection stayed up this long.", min = "0")
    long reconnect_stable_ms() default 20000;

    @AttributeDefinition(name = "Offline queue size", description = "Publishes kept while disconnected: 0 disables "
            + "queueing (publishes fail while offline), -1 is unbounded.", min = "-1")
    int queue_size() default 10000;

    @AttributeDefinition(name = "Offline queue drop behaviour", description = "When the offline queue is full.",
            options = { @Option(label = "Reject the new publish (DROP_NEWEST)", value = "DROP_NEWEST"),
                    @Option(label = "Evict the oldest queued publish (DROP_OLDEST)", value = "DROP_OLDEST") })
    String queue_drop() default "DROP_NEWEST";

    @AttributeDefinition(name = "Draining frequency (Hz)", description = "Rate at which queued publishes are sent "
            + "after a reconnect; 0 sends as fast as the in-flight window allows.", min = "0")
    double queue_drain_frequency() default 2.0;

    @AttributeDefinition(name = "Offline queue storage", description = "Where queued publishes are kept.", options = {
            @Option(label = "Memory (lost on restart)", value = "memory"),
            @Option(label = "Disk (survives restarts and crashes)", value = "disk") })
    String queue_storage() default "memory";

    @AttributeDefinition(name = "Disk queue directory", description = "Directory of the disk queue (one per "
            + "connection). Empty: the bundle's data area.", required = false)
    String queue_directory() default "";

    @AttributeDefinition(name = "Disk queue durability", description = "write: every accepted publish is handed to the "
            + "operating system before publish returns (survives a crash of the gateway process); fsync: also forced "
            + "to the storage device (survives power loss; much slower).", options = {
                    @Option(label = "Write (survives process crash)", value = "write"),
                    @Option(label = "Fsync (survives power loss)", value = "fsync") })
    String queue_disk_sync() default "write";

    @AttributeDefinition(name = "In-flight window", description = "Publishes sent but not yet acknowledged at most; "
            + "further publishes wait their turn.", min = "1", max = "65535")
    int max_inflight() default 20;

    @AttributeDefinition(name = "Last will topic", description = "Published by the broker when the connection drops "
            + "unexpectedly. Empty: no last will.", required = false)
    String will_topic() default "";

    @AttributeDefinition(name = "Last will payload", description = "Text (UTF-8) of the last will message.",
            required = false)
    String will_payload() default "";

    @AttributeDefinition(name = "Last will QoS", description = "MQTT quality of service of the last will message.",
            options = { @Option(label = "0 - at most once", value = "0"),
                    @Option(label = "1 - at least once", value = "1") })
    int will_qos() default 0;

    @AttributeDefinition(name = "Last will retain", description = "The broker keeps the last will message as the "
            + "retained message of its topic.")
    boolean will_retain() default false;

    @AttributeDefinition(name = "User name", description = "MQTT user name (AWS IoT ignores it with certificates; a "
            + "custom authorizer receives it).", required = false)
    String username() default "";

    @AttributeDefinition(name = "Password", description = "MQTT password (a custom authorizer receives it).",
            type = AttributeType.PASSWORD, required = false)
    String password() default "";

    @AttributeDefinition(name = "AWS region", description = "Region for signing WebSocket connections (wss-sigv4). "
            + "Empty: taken from the endpoint (xxxx-ats.iot.<region>.amazonaws.com).", required = false)
    String aws_region() default "";

    @AttributeDefinition(name = "AWS access key id", description = "For wss-sigv4. Empty: the environment "
            + "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the profile of the AWS shared "
            + "credentials file. Read again at every reconnect.", required = false)
    String aws_access_key_id() default "";

    @AttributeDefinition(name = "AWS secret access key", description = "Secret of the access key id, for wss-sigv4. "
            + "Set both or neither.", type = AttributeType.PASSWORD, required = false)
    String aws_secret_access_key() default "";

    @AttributeDefinition(name = "AWS session token", description = "Session token of temporary credentials; not part "
            + "of the signature, sent with it.", type = AttributeType.PASSWORD, required = false)
    String aws_session_token() default "";

    @AttributeDefinition(name = "AWS profile", description = "Profile of the AWS shared credentials file. Empty: "
            + "AWS_PROFILE, else default.", required = false)
    String aws_profile() default "";

    @AttributeDefinition(name = "AWS credentials file", description = "The AWS shared credentials file. Empty: "
            + "AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. Read again at every reconnect, so rotated "
            + "credentials are used without reconfiguring.", required = false)
    String aws_credentials_file() default "";

    @AttributeDefinition(name = "Custom authorizer name", description = "For custom-auth and custom-auth-wss. Empty: "
            + "the endpoint's default authorizer.", required = false)
    String custom_auth_name() default "";

    @AttributeDefinition(name = "Custom authorizer token key name", description = "Name of the token parameter the "
            + "authorizer expects (its token key name).", required = false)
    String custom_auth_token_key_name() default "";

    @AttributeDefinition(name = "Custom authorizer token", description = "The token the custom authorizer checks, "
            + "sent under the token key name.", type = AttributeType.PASSWORD, required = false)
    String custom_auth_token_value() default "";

    @AttributeDefinition(name = "Custom authorizer token signature", description = "Base64 signature of the token, for "
            + "authorizers with token signing; URL-encoded when sent.", type = AttributeType.PASSWORD,
            required = false)
    String custom_auth_token_signature() default "";

    @AttributeDefinition(name = "HTTP proxy host", description = "Connect through this HTTP proxy (CONNECT tunnel), "
            + "for every transport. Empty: connect directly.", required = false)
    String proxy_host() default "";

    @AttributeDefinition(name = "HTTP proxy port", description = "Port of the HTTP proxy.", min = "1",
            max = "65535")
    int proxy_port() default 8080;

    @AttributeDefinition(name = "HTTP proxy user name", description = "For proxies that require Basic "
            + "authentication.", required = false)
    String proxy_username() default "";

    @AttributeDefinition(name = "HTTP proxy password", description = "Password for the proxy's Basic "
            + "authentication, with the proxy user name.", type = AttributeType.PASSWORD, required = false)
    String proxy_password() default "";

    @AttributeDefinition(name = "Send SDK metrics", description = "Append ?SDK=...&Version=... to the MQTT user name, "
            + "as the AWS IoT Device SDKs do. Never applied to the plain TCP transport.")
    boolean metrics_enabled() default true;
}
