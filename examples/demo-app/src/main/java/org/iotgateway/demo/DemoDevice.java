package org.iotgateway.demo;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.jobs.JobContext;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example device. Uses the public API only:
 * <ul>
 * <li>telemetry: a reading every interval, published with QoS 1 through {@link IoTConnection};</li>
 * <li>state: reports its LED and telemetry interval to the classic shadow, and applies desired state it receives as
 * deltas ({@link ShadowDeltaListener} whiteboard: this component's {@code thing.name} property selects the shadow);</li>
 * <li>jobs: executes {@value #OPERATION} jobs ({@link JobHandler} whiteboard), e.g.
 * {@code {"operation":"set-telemetry-interval","interval":2}}.</li>
 * </ul>
 */
@Component(configurationPid = DemoDevice.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = { ShadowDeltaListener.class, JobHandler.class },
        property = JobHandler.OPERATION + "=" + DemoDevice.OPERATION)
@Designate(ocd = DeviceConfig.class)
public class DemoDevice implements ShadowDeltaListener, JobHandler {

    static final String PID = "org.iotgateway.demo.device";
    static final String OPERATION = "set-telemetry-interval";

    private static final Logger LOG = LoggerFactory.getLogger("demo-app");

    @Reference(name = "IoTConnection")
    IoTConnection connection;

    @Reference(name = "ShadowService")
    ShadowService shadow;

    private String thing;
    private String topic;
    private DeviceState state;
    private ScheduledExecutorService timer;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong published = new AtomicLong();

    @Activate
    void activate(DeviceConfig config) {
        thing = config.thing_name();
        topic = config.telemetry_topic().replace("{thing}", thing);
        state = new DeviceState(Math.max(DeviceState.MIN_INTERVAL, Math.min(DeviceState.MAX_INTERVAL,
                config.telemetry_interval())));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-telemetry");
            t.setDaemon(true);
            return t;
        });
        LOG.info("Example app started for thing {} on connection '{}': telemetry to {} every {} s", thing,
                connection.id(), topic, state.intervalSeconds());
        report("initial state", state.reported());
        timer.schedule(this::publishTelemetry, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        LOG.info("Example app stopped ({} telemetry messages published)", published.get());
    }

    // ------------------------------------------------------------------ telemetry

    private void publishTelemetry() {
        long n = sequence.incrementAndGet();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        double temperature = 21 + 2 * Math.sin(n / 10.0) + r.nextDouble(-0.2, 0.2);
        double humidity = 45 + 5 * Math.cos(n / 15.0) + r.nextDouble(-0.5, 0.5);
        String payload = String.format(Locale.ROOT,
                "{\"thing\":\"%s\",\"seq\":%d,\"temperature\":%.1f,\"humidity\":%.1f,\"led\":\"%s\",\"ts\":%d}", thing,
                n, temperature, humidity, state.ledOn() ? "on" : "off", System.currentTimeMillis() / 1000);
        try {
            connection.publish(topic, payload.getBytes(UTF_8), QoS.AT_LEAST_ONCE).whenComplete((ok, error) -> {
                if (error == null) {
                    published.incrementAndGet();
                    LOG.info(String.format(Locale.ROOT, "Telemetry #%d published to %s: %.1f C, %.1f %%RH", n, topic,
                            temperature, humidity));
                } else {
                    LOG.warn("Telemetry #{} not delivered: {}", n, error.getMessage());
                }
            });
        } catch (IoTException e) {
            // invalid topic or payload: a configuration problem, telling once per message is enough
            LOG.error("Telemetry #{} refused: {}", n, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Telemetry #{} failed", n, e);
        }
        if (!timer.isShutdown()) {
            timer.schedule(this::publishTelemetry, state.intervalSeconds(), TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ shadow

    @Override
    public void deltaReceived(ShadowDelta delta) {
        LOG.info("Desired state change received (shadow version {}): {}", delta.version(), delta.state());
        DeviceState.Applied applied = state.apply(delta.state());
        if (!applied.refused.isEmpty()) {
            LOG.warn("Desired state refused: {}", String.join("; ", applied.refused));
        }
        if (!applied.changes.isEmpty()) {
            LOG.info("Desired state applied: {}", String.join(", ", applied.changes));
        }
        if (!applied.reported.isEmpty()) {
            report("applied desired state", applied.reported);
        }
    }

    private void report(String what, Map<String, Object> reported) {
        try {
            shadow.report(reported).whenComplete((ack, error) -> {
                if (error == null) {
                    LOG.info("Reported {} {} (shadow version {})", what, reported, ack.version());
                } else {
                    LOG.warn("Reporting {} {} failed: {}", what, reported, error.getMessage());
                }
            });
        } catch (IoTException e) {
            LOG.warn("Reporting {} {} refused: {}", what, reported, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ jobs

    @Override
    public JobOutcome execute(JobExecution execution, JobContext context) throws Exception {
        Object value = execution.jobDocument().flatMap(d -> d.get("interval")).orElse(null);
        Integer seconds = DeviceState.seconds(value);
        if (seconds == null) {
            LOG.warn("Job {} rejected: interval {} is not whole seconds {}-{}", execution.jobId(),
                    DeviceState.shorten(value), DeviceState.MIN_INTERVAL, DeviceState.MAX_INTERVAL);
            return JobOutcome.rejected("interval must be whole seconds " + DeviceState.MIN_INTERVAL + "-"
                    + DeviceState.MAX_INTERVAL + ", got " + DeviceState.shorten(value));
        }
        LOG.info("Job {}: setting the telemetry interval to {} s", execution.jobId(), seconds);
        context.reportProgressAndWait(Map.of("step", "applying"));
        int previous = state.setInterval(seconds);
        report("telemetry interval set by job " + execution.jobId(), Map.of(DeviceState.INTERVAL, seconds));
        LOG.info("Job {}: telemetry interval {} s -> {} s, done", execution.jobId(), previous, seconds);
        return JobOutcome.succeeded(Map.of("telemetryInterval", String.valueOf(seconds), "previous",
                String.valueOf(previous)));
    }

    @Override
    public boolean canResume(JobExecution execution) {
        return true; // setting the interval again is harmless
    }
}
