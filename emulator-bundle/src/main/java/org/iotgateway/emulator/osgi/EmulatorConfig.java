package org.iotgateway.emulator.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** The emulator's configuration form (PID {@value EmulatorComponent#PID}); parsed and checked by {@link EmulatorSettings}. */
@ObjectClassDefinition(id = EmulatorComponent.PID, name = "AWS IoT emulator (development)",
        description = "A local AWS IoT Core for development and demos: MQTT broker, Device Shadow, Jobs and Greengrass "
                + "discovery. Generates its own certificate authority, server and device certificates. Never expose it "
                + "on a network you do not control: it accepts any client on its plain TCP port.")
@interface EmulatorConfig {

    @AttributeDefinition(name = "Bind address", description = "Address every listener binds to: 127.0.0.1 keeps the "
            + "emulator local; 0.0.0.0 opens it to the network (add the gateway's address to the server names).")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "MQTT port (plain TCP)", description = "-1 disables the listener, 0 picks a free port.",
            min = "-1", max = "65535")
    int mqtt_port() default 1883;

    @AttributeDefinition(name = "MQTT over TLS port", description = "Mutual TLS: clients present a certificate issued by "
            + "the emulator's CA, as with AWS IoT Core. -1 disables the listener, 0 picks a free port.",
            min = "-1", max = "65535")
    int tls_port() default 8883;

    @AttributeDefinition(name = "MQTT over WebSocket port", description = "Path /mqtt (SigV4 signatures are accepted "
            + "but not checked). -1 disables the listener.", min = "-1", max = "65535")
    int websocket_port() default -1;

    @AttributeDefinition(name = "Greengrass discovery port", description = "HTTPS with client certificates. "
            + "-1 disables the endpoint.", min = "-1", max = "65535")
    int discovery_port() default -1;

    @AttributeDefinition(name = "Admin HTTP port", description = "Plain HTTP control endpoint (shadows, jobs, outages). "
            + "-1 disables it.", min = "-1", max = "65535")
    int admin_port() default -1;

    @AttributeDefinition(name = "Certificate directory", description = "Where the CA, server and device certificates "
            + "and keys are generated on first start and reused afterwards (ca.cert.pem, devices/<thing>.cert.pem, "
            + "devices/<thing>.private.key). Empty: the bundle's data area.", required = false)
    String certificate_directory() default "";

    @AttributeDefinition(name = "Things", description = "Thing names that get a device certificate at start "
            + "(1-128 characters of a-z A-Z 0-9 : _ -).")
    String[] devices() default { "gateway-1" };

    @AttributeDefinition(name = "Extra server names", description = "DNS names or IP addresses added to the server "
            + "certificate (localhost, 127.0.0.1 and ::1 are always in).", required = false)
    String[] server_names() default {};

    @AttributeDefinition(name = "Key algorithm", description = "Algorithm of generated keys.", options = {
            @Option(label = "EC P-256", value = "EC_P256"), @Option(label = "RSA 2048", value = "RSA_2048") })
    String key_algorithm() default "EC_P256";
}
