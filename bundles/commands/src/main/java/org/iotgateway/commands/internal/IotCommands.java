package org.iotgateway.commands.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionSummary;
import org.iotgateway.api.jobs.JobsService;
import org.iotgateway.api.jobs.PendingJobs;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowService;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** Operator commands, scope {@code iot}. Type {@code help iot:<command>} in the shell for the options. */
@Component(service = IotCommands.class, property = { "osgi.command.scope=iot",
        "osgi.command.function=connections", "osgi.command.function=publish", "osgi.command.function=subscribe",
        "osgi.command.function=unsubscribe", "osgi.command.function=subscriptions", "osgi.command.function=shadow",
        "osgi.command.function=report", "osgi.command.function=desire", "osgi.command.function=jobs",
        "osgi.command.function=job" })
public class IotCommands {

    private static final int MAX_PRINTED = 1000;

    private BundleContext context;
    private final ConcurrentMap<String, Subscription> subscriptions = new ConcurrentHashMap<>();

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Deactivate
    void deactivate() {
        subscriptions.values().forEach(Subscription::unsubscribe);
        subscriptions.clear();
    }

    // ------------------------------------------------------------------ connections

    @Descriptor("list the connections: state, queued publishes (offline queue plus in flight), endpoint")
    public void connections() {
        List<ServiceReference<IoTConnection>> refs = Services.all(context, IoTConnection.class);
        if (refs.isEmpty()) {
            System.out.println("no connection is registered (see config/org.iotgateway.mqtt.connection-*.cfg)");
            return;
        }
        System.out.printf("%-16s %-13s %8s  %-40s %-10s %s%n", "CONNECTION", "STATE", "QUEUED", "ENDPOINT", "TRANSPORT",
                "CLIENT ID");
        for (ServiceReference<IoTConnection> r : refs) {
            with(r, c -> {
                System.out.printf("%-16s %-13s %8d  %-40s %-10s %s%n", c.id(), c.state(), c.queuedMessages(),
                        Services.property(r, IoTConnection.ENDPOINT) + ":" + Services.property(r, IoTConnection.PORT),
                        Services.property(r, IoTConnection.TRANSPORT), c.clientId());
                return null;
            });
        }
    }

    @Descriptor("publish a message and wait for the broker's acknowledgement (QoS 1) or the write (QoS 0)")
    public void publish(
            @Descriptor("connection id (needed when there are several)") @Parameter(names = { "-c", "--connection" }, absentValue = "") String connection,
            @Descriptor("QoS, 0 or 1") @Parameter(names = { "-q", "--qos" }, absentValue = "1") int qos,
            @Descriptor("retain the message") @Parameter(names = { "-r", "--retain" }, presentValue = "true", absentValue = "false") boolean retain,
            @Descriptor("topic") String topic,
            @Descriptor("payload, as text (quote JSON with single quotes: '{\"a\":1}')") String payload) {
        ServiceReference<IoTConnection> r = connection(connection);
        with(r, c -> {
            byte[] bytes = payload.getBytes(UTF_8);
            try {
                c.publishAndWait(IoTMessage.of(topic, bytes, QoS.of(qos), retain));
                System.out.println("published " + bytes.length + " bytes to " + topic + " on '" + c.id() + "' (QoS " + qos
                        + ")");
            } catch (IoTException e) {
                System.out.println("not published: " + e.getMessage());
            }
            return null;
        });
    }

    @Descriptor("subscribe to a topic filter; received messages are printed on the console until unsubscribe")
    public void subscribe(
            @Descriptor("connection id (needed when there are several)") @Parameter(names = { "-c", "--connection" }, absentValue = "") String connection,
            @Descriptor("QoS, 0 or 1") @Parameter(names = { "-q", "--qos" }, absentValue = "1") int qos,
            @Descriptor("topic filter (+ and # wildcards)") String filter) {
        ServiceReference<IoTConnection> r = connection(connection);
        with(r, c -> {
            String key = c.id() + " " + filter;
            if (subscriptions.containsKey(key)) {
                System.out.println("already subscribed to " + filter + " on '" + c.id() + "'");
                return null;
            }
            PrintStream out = System.out;
            String id = c.id();
            try {
                Subscription s = c.subscribeAndWait(filter, QoS.of(qos), m -> out.println("[" + id + "] " + m.topic()
                        + " (QoS " + m.qos().level() + "): " + Json.printable(m.payloadAsString(), MAX_PRINTED)));
                subscriptions.put(key, s);
                System.out.println("subscribed to " + filter + " on '" + id + "' (granted QoS " + s.qos().level()
                        + "); iot:unsubscribe " + filter + " to stop");
            } catch (IoTException e) {
                System.out.println("not subscribed: " + e.getMessage());
            }
            return null;
        });
    }

    @Descriptor("stop a subscription made with iot:subscribe")
    public void unsubscribe(
            @Descriptor("connection id (needed when there are several)") @Parameter(names = { "-c", "--connection" }, absentValue = "") String connection,
            @Descriptor("topic filter, as subscribed") String filter) {
        ServiceReference<IoTConnection> r = connection(connection);
        String key = Services.property(r, IoTConnection.CONNECTION_ID) + " " + filter;
        Subscription s = subscriptions.remove(key);
        if (s == null) {
            System.out.println("no subscription to " + filter + " made here; iot:subscriptions lists them");
            return;
        }
        s.unsubscribe().toCompletableFuture().join();
        System.out.println("unsubscribed from " + filter);
    }

    @Descriptor("list the subscriptions made with iot:subscribe")
    public void subscriptions() {
        if (subscriptions.isEmpty()) {
            System.out.println("none");
        }
        subscriptions.forEach((key, s) -> System.out.println(key.replaceFirst(" ", ": ") + " (QoS " + s.qos().level()
                + (s.isActive() ? "" : ", inactive") + ")"));
    }

    // ------------------------------------------------------------------ shadows

    @Descriptor("show a shadow: desired, reported, delta, version")
    public void shadow(
            @Descriptor("thing name (needed when several shadows are configured)") @Parameter(names = { "-t", "--thing" }, absentValue = "") String thing,
            @Descriptor("shadow name; empty for the classic shadow") @Parameter(names = { "-n", "--name" }, absentValue = "*") String name) {
        with(shadowService(thing, name), s -> {
            ShadowDocument d = s.getAndWait();
            System.out.println(label(s) + ", version " + d.version());
            System.out.println(Json.pretty(d.json()));
            return null;
        });
    }

    @Descriptor("report state: merge a JSON object into the shadow's reported section")
    public void report(
            @Descriptor("thing name (needed when several shadows are configured)") @Parameter(names = { "-t", "--thing" }, absentValue = "") String thing,
            @Descriptor("shadow name; empty for the classic shadow") @Parameter(names = { "-n", "--name" }, absentValue = "*") String name,
            @Descriptor("JSON object, e.g. '{\"led\":\"on\"}'; null values delete keys") String json) {
        update(thing, name, ShadowUpdate.reported(Json.object("reported state", json)));
    }

    @Descriptor("request state: merge a JSON object into the shadow's desired section")
    public void desire(
            @Descriptor("thing name (needed when several shadows are configured)") @Parameter(names = { "-t", "--thing" }, absentValue = "") String thing,
            @Descriptor("shadow name; empty for the classic shadow") @Parameter(names = { "-n", "--name" }, absentValue = "*") String name,
            @Descriptor("JSON object, e.g. '{\"led\":\"on\"}'; null values delete keys") String json) {
        update(thing, name, ShadowUpdate.desired(Json.object("desired state", json)));
    }

    private void update(String thing, String name, ShadowUpdate update) {
        with(shadowService(thing, name), s -> {
            ShadowDocument ack = s.updateAndWait(update);
            System.out.println(label(s) + " updated, now version " + ack.version());
            return null;
        });
    }

    // ------------------------------------------------------------------ jobs

    @Descriptor("list the pending job executions of a thing (IN_PROGRESS and QUEUED)")
    public void jobs(
            @Descriptor("thing name (needed when several things have jobs configured)") @Parameter(names = { "-t", "--thing" }, absentValue = "") String thing) {
        with(jobsService(thing), j -> {
            PendingJobs p = j.listPendingAndWait();
            System.out.println("thing " + j.thingName() + ": " + p.inProgress().size() + " in progress, "
                    + p.queued().size() + " queued");
            for (JobExecutionSummary s : p.inProgress()) {
                System.out.println("  IN_PROGRESS  " + summary(s));
            }
            for (JobExecutionSummary s : p.queued()) {
                System.out.println("  QUEUED       " + summary(s));
            }
            return null;
        });
    }

    @Descriptor("describe a job execution: status, status details, job document")
    public void job(
            @Descriptor("thing name (needed when several things have jobs configured)") @Parameter(names = { "-t", "--thing" }, absentValue = "") String thing,
            @Descriptor("job id, or $next for the next pending one") String jobId) {
        with(jobsService(thing), j -> {
            Optional<JobExecution> e = j.describeAndWait(jobId, 0, true);
            if (e.isEmpty()) {
                System.out.println("nothing pending for " + j.thingName());
                return null;
            }
            JobExecution x = e.get();
            System.out.println("job " + x.jobId() + " #" + x.executionNumber() + " on " + x.thingName() + ": "
                    + x.status() + " (version " + x.versionNumber() + ")");
            x.queuedAt().ifPresent(t -> System.out.println("  queued   " + t));
            x.startedAt().ifPresent(t -> System.out.println("  started  " + t));
            x.lastUpdatedAt().ifPresent(t -> System.out.println("  updated  " + t));
            if (!x.statusDetails().isEmpty()) {
                System.out.println("  details  " + x.statusDetails());
            }
            x.jobDocument().ifPresent(d -> System.out.println("  document " + Json.printable(d.json(), MAX_PRINTED)));
            return null;
        });
    }

    // ------------------------------------------------------------------ helpers

    private ServiceReference<IoTConnection> connection(String id) {
        return Services.one(context, IoTConnection.class, "connection", "-c <connection id>",
                r -> id.isEmpty() || id.equals(Services.property(r, IoTConnection.CONNECTION_ID)),
                r -> "'" + Services.property(r, IoTConnection.CONNECTION_ID) + "'");
    }

    private ServiceReference<ShadowService> shadowService(String thing, String name) {
        return Services.one(context, ShadowService.class, "shadow", "-t <thing> [-n <shadow name>]",
                r -> (thing.isEmpty() || thing.equals(Services.property(r, ShadowService.THING_NAME)))
                        && ("*".equals(name) || name.equals(Services.property(r, ShadowService.SHADOW_NAME))),
                r -> Services.property(r, ShadowService.THING_NAME)
                        + (Services.property(r, ShadowService.SHADOW_NAME).isEmpty() ? ""
                                : " -n " + Services.property(r, ShadowService.SHADOW_NAME)));
    }

    private ServiceReference<JobsService> jobsService(String thing) {
        return Services.one(context, JobsService.class, "jobs service", "-t <thing>",
                r -> thing.isEmpty() || thing.equals(Services.property(r, JobsService.THING_NAME)),
                r -> Services.property(r, JobsService.THING_NAME));
    }

    private static String label(ShadowService s) {
        return s.shadowName().isEmpty() ? "shadow of " + s.thingName()
                : "shadow '" + s.shadowName() + "' of " + s.thingName();
    }

    private static String summary(JobExecutionSummary s) {
        return s.jobId() + " #" + s.executionNumber() + " (version " + s.versionNumber() + ", queued "
                + s.queuedAt().map(Instant::toString).orElse("?") + ")";
    }

    private <S, R> R with(ServiceReference<S> ref, Function<S, R> action) {
        S service = context.getService(ref);
        if (service == null) {
            throw new IllegalStateException("the service went away; try again");
        }
        try {
            return action.apply(service);
        } finally {
            context.ungetService(ref);
        }
    }

    /** For tests. */
    Map<String, Subscription> subscriptionsByKey() {
        return subscriptions;
    }
}
