package org.iotgateway.kura.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration of one AWS IoT cloud subscriber (factory PID {@value KuraProperties#SUBSCRIBER_PID}). */
@ObjectClassDefinition(id = KuraProperties.SUBSCRIBER_PID, name = "AWS IoT Subscriber",
        description = "Delivers the messages of an AWS IoT topic filter to Kura apps and Wires graphs.")
@interface SubscriberConfig {

    @AttributeDefinition(name = "Cloud connection", description = "Kura PID of the AWS IoT cloud connection to "
            + "subscribe through.")
    String cloud_endpoint_service_pid() default "aws-iot";

    @AttributeDefinition(name = "Topic filter", description = "MQTT topic filter, e.g. cmd/plant1/#.")
    String topic_filter() default "";

    @AttributeDefinition(name = "QoS", options = { @Option(label = "0 (at most once)", value = "0"),
            @Option(label = "1 (at least once)", value = "1") })
    int qos() default 1;
}
