package org.iotgateway.demo;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = DemoDevice.PID, name = "Example gateway app",
        description = "A small device: publishes telemetry, keeps its LED and telemetry interval in the device shadow "
                + "(applies desired state, reports it), and executes set-telemetry-interval jobs.")
@interface DeviceConfig {

    @AttributeDefinition(name = "Thing name", description = "The AWS IoT thing this device is; also selects its shadow "
            + "and its jobs.")
    String thing_name() default "gateway-1";

    @AttributeDefinition(name = "Telemetry topic", description = "Topic of the telemetry messages; {thing} stands for "
            + "the thing name.")
    String telemetry_topic() default "dt/{thing}/telemetry";

    @AttributeDefinition(name = "Telemetry interval (s)", description = "Seconds between telemetry messages until the "
            + "shadow or a job changes it.", min = "1", max = "3600")
    int telemetry_interval() default 5;

    @AttributeDefinition(name = "Connection", description = "Filter selecting the IoTConnection.")
    String IoTConnection_target() default "(connection.id=aws)";

    @AttributeDefinition(name = "Shadow", description = "Filter selecting the ShadowService of the thing.")
    String ShadowService_target() default "(thing.name=gateway-1)";
}
