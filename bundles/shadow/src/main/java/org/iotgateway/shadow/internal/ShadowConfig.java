package org.iotgateway.shadow.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of one shadow (factory PID {@value ShadowComponent#FACTORY_PID}); also the form users see in
 * the Felix Web Console and the Kura web UI. The component reads the properties with
 * {@link ShadowSettings#from(java.util.Map)}, which applies the same defaults and names the property of any
 * invalid value.
 */
@ObjectClassDefinition(id = ShadowComponent.FACTORY_PID, name = "AWS IoT Device Shadow",
        description = "One device shadow (the classic shadow of a thing, or a named shadow) on an AWS IoT connection. "
                + "Registers a ShadowService that apps use to read, update and delete the shadow and to follow its "
                + "deltas. Many shadows can share one connection.")
@interface ShadowConfig {

    @AttributeDefinition(name = "Thing name", description = "The AWS IoT thing the shadow belongs to: 1 to 128 "
            + "letters, digits, ':', '_' or '-'.")
    String thing_name();

    @AttributeDefinition(name = "Shadow name", description = "Name of a named shadow: 1 to 64 letters, digits, ':', "
            + "'_' or '-'. Empty: the thing's classic (unnamed) shadow.", required = false)
    String shadow_name() default "";

    @AttributeDefinition(name = "Connection", description = "Filter selecting the AWS IoT connection to use, over the "
            + "connection's service properties, e.g. (connection.id=aws). The shadow moves to another connection "
            + "when this changes, without being unregistered.")
    String IoTConnection_target() default ShadowComponent.DEFAULT_TARGET;

    @AttributeDefinition(name = "Persistent subscriptions", description = "On: subscribe to the shadow's reply "
            + "topics once and keep the subscription, so requests answer fast and deltas and changes are always "
            + "received. Off: subscribe when a request starts and unsubscribe when none is pending (saves "
            + "subscriptions and traffic on idle shadows; delta and document listeners still keep it subscribed).")
    boolean persistent_subscriptions() default ShadowSettings.DEFAULT_PERSISTENT;

    @AttributeDefinition(name = "QoS", description = "MQTT quality of service of shadow requests and replies.",
            options = { @Option(label = "1 - at least once (recommended)", value = "1"),
                    @Option(label = "0 - at most once (replies may be lost, requests then time out)", value = "0") })
    int qos() default ShadowSettings.DEFAULT_QOS;

    @AttributeDefinition(name = "Operation timeout (s)", description = "How long a get, update or delete may take from "
            + "the call to the service's reply, including waiting for the connection. The blocking variants wait this "
            + "long.", min = "1")
    int operation_timeout() default ShadowSettings.DEFAULT_TIMEOUT_SECONDS;

    @AttributeDefinition(name = "Maximum in-flight requests", description = "Shadow requests sent and not yet "
            + "answered at most on the connection; more wait their turn. AWS IoT allows 10 per connection (it answers "
            + "429 beyond). Shadows sharing a connection use the smallest value among them.", min = "1", max = "1000")
    int max_inflight() default ShadowSettings.DEFAULT_MAX_INFLIGHT;
}
