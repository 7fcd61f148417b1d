package org.iotgateway.demo;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.emulator.EmulatorControl;
import org.iotgateway.emulator.JobExecution;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the demo tell its whole story without anybody typing: once the device's connection is up, it acts as the
 * cloud side on the emulator (desired state change, then a job) and reports what the service sees. Runs only while
 * the emulator's {@link EmulatorControl} is registered, and does nothing when the connection points elsewhere (for
 * example at AWS IoT Core).
 */
@Component(configurationPid = DemoDriver.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = DriverConfig.class)
public class DemoDriver {

    static final String PID = "org.iotgateway.demo.driver";

    private static final Logger LOG = LoggerFactory.getLogger("demo-driver");
    private static final Set<String> LOCAL = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    private EmulatorControl emulator;
    private Map<String, Object> emulatorProperties;
    private IoTConnection connection;
    private Map<String, Object> connectionProperties;

    private ScheduledExecutorService timer;
    private volatile boolean stopped;

    @Reference
    void bindEmulator(EmulatorControl e, Map<String, Object> properties) {
        emulator = e;
        emulatorProperties = properties;
    }

    @Reference(name = "IoTConnection")
    void bindConnection(IoTConnection c, Map<String, Object> properties) {
        connection = c;
        connectionProperties = properties;
    }

    @Activate
    void activate(DriverConfig config) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-driver");
            t.setDaemon(true);
            return t;
        });
        timer.execute(() -> {
            try {
                run(config);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!stopped) {
                    LOG.warn("Demo driver stopped: {}", e.toString());
                }
            }
        });
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        timer.shutdownNow();
    }

    private void run(DriverConfig config) throws InterruptedException {
        String thing = config.thing_name();
        if (!waitFor(() -> connection.state() == ConnectionState.CONNECTED, 120)) {
            LOG.info("Demo driver: connection '{}' did not come up within 2 minutes; not driving", connection.id());
            return;
        }
        if (!pointsAtEmulator()) {
            LOG.info("Demo driver: connection '{}' does not use the local emulator; not driving", connection.id());
            return;
        }
        // the device reports its state first: wait for that, so the desired state makes a visible delta
        waitFor(() -> emulator.shadow(thing, null).map(s -> s.contains("\"reported\"")).orElse(false), 30);
        TimeUnit.SECONDS.sleep(Math.max(0, config.delay()));

        LOG.info("Demo driver (acting as the cloud): setting the desired state of {} to {}", thing, config.desired());
        emulator.setDesired(thing, null, config.desired());
        String key = config.desired().replaceAll("[{}\\s]", "");
        if (waitFor(() -> emulator.shadow(thing, null).map(s -> !s.contains("\"delta\"")).orElse(false), 30)) {
            LOG.info("Demo driver: the shadow of {} is in sync, the device reported {}", thing, key);
        } else {
            LOG.warn("Demo driver: the device did not report the desired state {} within 30 s", key);
        }

        String jobId = "set-interval-" + System.currentTimeMillis() / 1000;
        String document = "{\"operation\":\"set-telemetry-interval\",\"interval\":" + config.job_interval() + "}";
        LOG.info("Demo driver (acting as the cloud): creating job {} for {}: {}", jobId, thing, document);
        emulator.createJob(jobId, document, thing);
        if (waitFor(() -> emulator.jobExecution(thing, jobId).map(JobExecution::isTerminal).orElse(false), 60)) {
            Optional<JobExecution> e = emulator.jobExecution(thing, jobId);
            LOG.info("Demo driver: job {} is {} at the service {}", jobId, e.map(JobExecution::status).orElse("?"),
                    e.map(JobExecution::statusDetails).orElse(Map.of()));
        } else {
            LOG.warn("Demo driver: job {} did not finish within 60 s", jobId);
        }
        LOG.info("Demo driver: done. Try the shell: iot:connections, iot:shadow, iot:jobs, "
                + "emu:setdesired {} '{\"led\":\"off\"}', emu:createjob <id> {} '<document>'", thing, thing);
    }

    private boolean pointsAtEmulator() {
        // the connection's service properties name its endpoint; the emulator's name its ports
        Object endpoint = connectionProperty(IoTConnection.ENDPOINT);
        Object port = connectionProperty(IoTConnection.PORT);
        Object tls = emulatorProperty("emulator.tls.port");
        Object mqtt = emulatorProperty("emulator.mqtt.port");
        return endpoint != null && LOCAL.contains(endpoint.toString().toLowerCase())
                && port != null && (port.toString().equals(String.valueOf(tls)) || port.toString().equals(String.valueOf(mqtt)));
    }

    private Object connectionProperty(String key) {
        return connectionProperties.get(key);
    }

    private Object emulatorProperty(String key) {
        return emulatorProperties.get(key);
    }

    private boolean waitFor(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!stopped) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // the emulator answers again in a moment
            }
            if (System.nanoTime() > end) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return false;
    }
}
