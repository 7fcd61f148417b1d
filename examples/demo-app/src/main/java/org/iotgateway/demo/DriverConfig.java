package org.iotgateway.demo;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = DemoDriver.PID, name = "Example app demo driver",
        description = "Plays the cloud on the local emulator a few seconds after the connection is up: sets a desired "
                + "state in the thing's shadow and creates a set-telemetry-interval job. Does nothing when the "
                + "connection does not point at the emulator.")
@interface DriverConfig {

    @AttributeDefinition(name = "Thing name", description = "The thing to drive.")
    String thing_name() default "gateway-1";

    @AttributeDefinition(name = "Delay (s)", description = "Seconds after the connection is up before the driver acts.",
            min = "0", max = "600")
    int delay() default 3;

    @AttributeDefinition(name = "Desired state", description = "JSON object set as the shadow's desired state.")
    String desired() default "{\"led\":\"on\"}";

    @AttributeDefinition(name = "Telemetry interval set by the job (s)", min = "1", max = "3600")
    int job_interval() default 2;

    @AttributeDefinition(name = "Connection", description = "Filter selecting the IoTConnection the device uses.")
    String IoTConnection_target() default "(connection.id=aws)";
}
