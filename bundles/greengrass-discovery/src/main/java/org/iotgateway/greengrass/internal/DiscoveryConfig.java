package org.iotgateway.greengrass.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of one Greengrass discovery client (factory PID {@value DiscoveryComponent#FACTORY_PID}). This is
 * also the form users see in the Felix Web Console and the Kura web UI.
 */
@ObjectClassDefinition(id = DiscoveryComponent.FACTORY_PID, name = "AWS IoT Greengrass Discovery",
        description = "Asks AWS IoT Greengrass which core devices a thing can connect to (groups, cores, their "
                + "addresses and CA certificates), over mutual TLS with the device certificate. Registers a "
                + "GreengrassDiscovery service for apps and for the Greengrass core auto-connect.")
@interface DiscoveryConfig {

    @AttributeDefinition(name = "Discovery id", description = "Name apps and the core auto-connect use to select "
            + "this discovery client, e.g. with the target filter (discovery.id=greengrass).")
    String discovery_id() default "greengrass";

    @AttributeDefinition(name = "Discovery endpoint", description = "Host name of the discovery service, without "
            + "scheme or port: greengrass-ats.iot.<region>.amazonaws.com, e.g. "
            + "greengrass-ats.iot.eu-west-1.amazonaws.com.")
    String endpoint();

    @AttributeDefinition(name = "Port", description = "8443, the discovery service's port; 443 passes firewalls that "
            + "only open HTTPS (ALPN x-amzn-http-ca is then offered automatically).", min = "1", max = "65535")
    int port() default 8443;

    @AttributeDefinition(name = "Root CA file", description = "PEM file of the CA certificate(s) that signed the "
            + "discovery endpoint's certificate, e.g. AmazonRootCA1.pem. Empty: the JVM's default trust store.",
            required = false)
    String ca_file() default "";

    @AttributeDefinition(name = "Certificate file", description = "PEM file of the device certificate "
            + "(xxxx-certificate.pem.crt), optionally followed by its chain. Also used for the connection to the "
            + "core.", required = false)
    String cert_file() default "";

    @AttributeDefinition(name = "Private key file", description = "PEM file of the device's private key: PKCS#1 "
            + "(BEGIN RSA PRIVATE KEY, as the AWS console gives it), PKCS#8 or SEC1 EC.", required = false)
    String key_file() default "";

    @AttributeDefinition(name = "Keystore file", description = "PKCS#12 (.p12, .pfx) or JKS keystore holding the "
            + "device's private key and certificate chain: the alternative to the certificate and private key "
            + "files.", required = false)
    String keystore_file() default "";

    @AttributeDefinition(name = "Keystore password", description = "Password of the keystore, also used for the key "
            + "entry.", type = AttributeType.PASSWORD, required = false)
    String keystore_password() default "";

    @AttributeDefinition(name = "Keystore key alias", description = "Alias of the device key entry. Empty: the "
            + "keystore's only private key.", required = false)
    String keystore_alias() default "";

    @AttributeDefinition(name = "PKCS#11 library", description = "PKCS#11 module of the token (TPM, HSM, smart card) "
            + "that holds the device's private key, e.g. /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so (TPM), "
            + "opensc-pkcs11.so (smart card), an HSM vendor's module, or libsofthsm2.so. Set: the key is used in the "
            + "token and never leaves it (instead of the private key file or keystore); the certificate comes from the "
            + "certificate file or, when that is empty, from the token. The core auto-connect gives the connection to "
            + "the core the same token settings.", required = false)
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

    @AttributeDefinition(name = "Verify host name", description = "Check that the endpoint's certificate matches "
            + "the endpoint name. Leave on: switching it off allows man-in-the-middle attacks.")
    boolean hostname_verification() default true;

    @AttributeDefinition(name = "Timeout (s)", description = "How long one discovery request may take: connecting, "
            + "TLS handshake and the complete answer.", min = "1")
    int timeout() default 10;

    @AttributeDefinition(name = "Attempts when throttled", description = "Requests made in total while the service "
            + "answers 429 Too Many Requests, with growing delays in between; then discovery fails.", min = "1",
            max = "20")
    int retry_attempts() default 5;

    @AttributeDefinition(name = "Throttling backoff base (ms)", description = "Delay before the first retry after a "
            + "429; doubles on every further one (with random jitter).", min = "1")
    long retry_backoff_base_ms() default 1000;

    @AttributeDefinition(name = "Throttling backoff max (ms)", description = "Largest delay between two attempts; "
            + "a Retry-After sent by the service is honoured up to this.", min = "1")
    long retry_backoff_max_ms() default 16000;

    @AttributeDefinition(name = "Largest answer (bytes)", description = "Answers larger than this are refused "
            + "unread. A thing in 10 groups with a few CAs and addresses each stays well below 100 KB.",
            min = "1024", max = "67108864")
    int max_response_bytes() default 1048576;

    @AttributeDefinition(name = "HTTP proxy host", description = "Reach the discovery endpoint through this HTTP "
            + "proxy (CONNECT tunnel). Empty: connect directly. The connection to the core never uses it.",
            required = false)
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
}
