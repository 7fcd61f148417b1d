package org.iotgateway.greengrass.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of one Greengrass core auto-connect (factory PID {@value AutoConnectComponent#FACTORY_PID}). This is
 * also the form users see in the Felix Web Console and the Kura web UI.
 */
@ObjectClassDefinition(id = AutoConnectComponent.FACTORY_PID, name = "AWS IoT Greengrass Core Auto-Connect",
        description = "Runs Greengrass discovery for a thing, picks a core, stores its group's CA and points an AWS "
                + "IoT connection (created or updated through ConfigAdmin) at the first connectivity entry that "
                + "accepts a TLS connection. Apps bind to that connection with (connection.id=<connection id>) and "
                + "follow it when the core moves. The connection's other settings (queue, keep-alive, ...) may be "
                + "edited and are kept.")
@interface AutoConnectConfig {

    @AttributeDefinition(name = "Thing name", description = "The AWS IoT thing (client device) to discover cores "
            + "for: 1 to 128 characters of letters, digits, ':', '_' and '-'.")
    String thing_name();

    @AttributeDefinition(name = "Discovery", description = "Target filter selecting the Greengrass discovery client "
            + "(its endpoint and device credentials), over its service properties, e.g. (discovery.id=greengrass).")
    String GreengrassDiscovery_target() default "(discovery.id=*)";

    @AttributeDefinition(name = "Connection id", description = "connection.id of the AWS IoT connection this "
            + "component creates and keeps pointed at the core; apps select it with (connection.id=greengrass).")
    String connection_id() default "greengrass";

    @AttributeDefinition(name = "Client id", description = "MQTT client id of that connection. Empty: the thing "
            + "name.", required = false)
    String client_id() default "";

    @AttributeDefinition(name = "Group id", description = "Use only the Greengrass group with this id. Empty: any "
            + "group, in the order discovery lists them.", required = false)
    String group_id() default "";

    @AttributeDefinition(name = "Core", description = "Use only the core with this thing ARN (or thing name). "
            + "Empty: any core.", required = false)
    String core_arn() default "";

    @AttributeDefinition(name = "Connectivity metadata", description = "Use only connectivity entries whose "
            + "metadata contains this text. Empty: every entry.", required = false)
    String connectivity_metadata() default "";

    @AttributeDefinition(name = "Verify host name", description = "Require the core's certificate to match the "
            + "connectivity entry's host (Greengrass puts its connectivity addresses in the certificate). Leave on.")
    boolean hostname_verification() default true;

    @AttributeDefinition(name = "Connect timeout (s)", description = "How long the TCP connection and TLS handshake "
            + "to one connectivity entry may take before the next one is tried.", min = "1")
    int connect_timeout() default 5;

    @AttributeDefinition(name = "Rediscover after (ms)", description = "When the connection has not been connected "
            + "for this long, discovery runs again and the connection moves to the core's current address.",
            min = "1000")
    long rediscovery_after_ms() default 60000;

    @AttributeDefinition(name = "Retry backoff base (ms)", description = "Delay before running discovery again after "
            + "it failed or found no reachable core; doubles on every further failure.", min = "100")
    long retry_backoff_base_ms() default 5000;

    @AttributeDefinition(name = "Retry backoff max (ms)", description = "Largest delay between two discoveries "
            + "that keep failing.", min = "100")
    long retry_backoff_max_ms() default 300000;
}
