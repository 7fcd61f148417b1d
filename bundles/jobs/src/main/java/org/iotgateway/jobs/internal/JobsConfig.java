package org.iotgateway.jobs.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of the jobs of one thing (factory PID {@value JobsComponent#FACTORY_PID}). This is
 * also the form users see in the Felix Web Console and the Kura web UI.
 */
@ObjectClassDefinition(id = JobsComponent.FACTORY_PID, name = "AWS IoT Jobs",
        description = "AWS IoT Jobs for one thing over an AWS IoT connection. Registers a JobsService and, with "
                + "automatic execution on, runs the thing's jobs one after another with the JobHandler services "
                + "registered for their operation.")
@interface JobsConfig {

    @AttributeDefinition(name = "Thing name", description = "The AWS IoT thing whose jobs are handled: 1 to 128 "
            + "characters of letters, digits, ':', '_' and '-'.")
    String thing_name();

    @AttributeDefinition(name = "Connection", description = "Target filter selecting the AWS IoT connection to use, "
            + "over its service properties, e.g. (connection.id=aws).")
    String IoTConnection_target() default "(connection.id=aws)";

    @AttributeDefinition(name = "Automatic execution", description = "Start each next job of the thing, hand it to "
            + "the JobHandler registered for its operation and report the result. Off: apps use the JobsService "
            + "requests themselves.")
    boolean auto_execute() default true;

    @AttributeDefinition(name = "Default step timeout (min)", description = "Step timer set when a job is started: "
            + "the service marks the execution TIMED_OUT unless it is finished or updated with a new timer before. "
            + "0: no step timer.", min = "0", max = "10080")
    int step_timeout() default 0;

    @AttributeDefinition(name = "QoS", description = "MQTT QoS of the requests and subscriptions.", options = {
            @Option(label = "0 (at most once)", value = "0"), @Option(label = "1 (at least once)", value = "1") })
    int qos() default 1;

    @AttributeDefinition(name = "Operation timeout (s)", description = "How long a request waits for the service's "
            + "answer; the blocking variants wait as long.", min = "1")
    int operation_timeout() default 30;

    @AttributeDefinition(name = "Wait for a handler (s)", description = "With automatic execution, how long a job "
            + "whose operation has no JobHandler yet waits for one to be registered (e.g. while the gateway's apps "
            + "start) before it is REJECTED. 0: reject at once.", min = "0")
    int handler_wait() default 30;

    @AttributeDefinition(name = "Wait for a cancelled handler (s)", description = "When a running job is cancelled "
            + "(or times out) at the service, its handler is interrupted; the next job starts when the handler has "
            + "returned, or after this long at the latest.", min = "0")
    int cancel_wait() default 60;

    @AttributeDefinition(name = "Subscriptions", description = "thing: six subscriptions per thing on the connection "
            + "(works with policies naming the thing); shared: six subscriptions with thing wildcards "
            + "($aws/things/+/jobs/...) for every thing using this mode on the connection (the policy must allow "
            + "them). AWS IoT allows about 50 subscriptions per connection.", options = {
                    @Option(label = "Per thing", value = "thing"),
                    @Option(label = "Shared by all things of the connection", value = "shared") })
    String subscriptions() default "thing";
}
