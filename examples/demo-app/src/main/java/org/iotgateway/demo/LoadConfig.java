package org.iotgateway.demo;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = DemoLoad.PID, name = "Example app load generator",
        description = "Publishes a steady stream of messages at a fixed rate, for measuring the gateway under load "
                + "(bench/gateway-footprint.sh). Off while the rate is 0, which is the default.")
@interface LoadConfig {

    @AttributeDefinition(name = "Thing name", description = "Replaces {thing} in the topic.")
    String thing_name() default "gateway-1";

    @AttributeDefinition(name = "Rate (msgs/s)", description = "Messages published per second; 0 turns the load "
            + "off.", min = "0", max = "100000")
    int rate() default 0;

    @AttributeDefinition(name = "Payload size (bytes)", description = "Size of each message's payload.", min = "0",
            max = "131072")
    int payload_size() default 256;

    @AttributeDefinition(name = "QoS", options = { @Option(label = "0 (at most once)", value = "0"),
            @Option(label = "1 (at least once)", value = "1") })
    int qos() default 1;

    @AttributeDefinition(name = "Topic", description = "Topic of the load messages; {thing} stands for the thing "
            + "name.")
    String topic() default "dt/{thing}/load";

    @AttributeDefinition(name = "Delay (s)", description = "Seconds after activation before the load starts.",
            min = "0", max = "3600")
    int delay() default 5;

    @AttributeDefinition(name = "Duration (s)", description = "Seconds of load; 0 runs until the component stops.",
            min = "0")
    int duration() default 0;

    @AttributeDefinition(name = "Backlog limit", description = "Publishes accepted but not yet completed at most; "
            + "beyond it the generator skips messages (counted and logged) instead of growing the queue without "
            + "bound.", min = "1")
    int max_outstanding() default 10_000;

    @AttributeDefinition(name = "Connection", description = "Filter selecting the IoTConnection.")
    String IoTConnection_target() default "(connection.id=aws)";
}
