package org.iotgateway.kura.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration of one AWS IoT cloud publisher (factory PID {@value KuraProperties#PUBLISHER_PID}). */
@ObjectClassDefinition(id = KuraProperties.PUBLISHER_PID, name = "AWS IoT Publisher",
        description = "Publishes the messages of Kura apps, Wires graphs and assets to a topic of an AWS IoT cloud "
                + "connection, through the connection's offline queue.")
@interface PublisherConfig {

    @AttributeDefinition(name = "Cloud connection", description = "Kura PID of the AWS IoT cloud connection to "
            + "publish through.")
    String cloud_endpoint_service_pid() default "aws-iot";

    @AttributeDefinition(name = "Topic", description = "MQTT topic to publish to, e.g. dt/plant1/$assetName. "
            + "$name is replaced by the message property 'name' (for Wires: assetName), which must not contain "
            + "'/', '+' or '#'.")
    String topic() default "kura/$assetName";

    @AttributeDefinition(name = "QoS", options = { @Option(label = "0 (at most once)", value = "0"),
            @Option(label = "1 (at least once, confirmed)", value = "1") })
    int qos() default 1;
}
