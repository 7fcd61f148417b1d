package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.emulator.JobExecution;
import org.iotgateway.emulator.ManualClock;
import org.iotgateway.mqtt.internal.Connections;
import org.iotgateway.testsupport.MosquittoBridge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * One emulator per test class (plain MQTT only, ephemeral port, a manual clock); unique thing names
 * and client ids per test; connections and jobs services opened by a test are closed after it.
 * Timings are short so the suite stays fast: operation timeout 2 s, retries from 50 ms.
 * <p>
 * {@code -Diotgw.test.mqtt.version=5} runs the same tests over MQTT 5: the emulator's broker (Moquette) speaks only
 * 3.1.1, so each test class then also starts a mosquitto with a bridge carrying {@code $aws/#} to the emulator, and
 * the connections talk MQTT 5 to mosquitto. {@link #stopBroker()}, {@link #startBroker()} and
 * {@link #disconnectClient(String)} act on the broker the device talks to in either mode.
 * The tag {@code emulator} selects these tests for the build's second (MQTT 5) surefire execution.
 */
@Tag("emulator")
abstract class EmulatorTestBase {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String MQTT_VERSION = System.getProperty("iotgw.test.mqtt.version", "3.1.1");
    static final boolean MQTT5 = MQTT_VERSION.startsWith("5");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    static Emulator emulator;
    /** MQTT 5 mode only: the device's broker, bridged to the emulator */
    static MosquittoBridge front;
    static ManualClock clock;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startEmulator() {
        clock = new ManualClock(Instant.parse("2024-05-01T12:00:00Z"));
        emulator = Emulator.builder()
                .certificateDirectory(Path.of("target", "emulator-certs"))
                .tlsPort(-1)
                .websocketPort(-1)
                .discoveryPort(-1)
                .clock(clock)
                .timeoutCheckInterval(Duration.ofMillis(100))
                .build()
                .start();
        if (MQTT5) {
            front = MosquittoBridge.start(emulator.host(), emulator.mqttPort(), "$aws/#");
        }
    }

    @AfterAll
    static void stopEmulator() {
        if (front != null) {
            front.close();
            front = null;
        }
        if (emulator != null) {
            emulator.stop();
            emulator = null;
        }
    }

    @AfterEach
    void closeOpened() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                // best effort
            }
        }
        opened.clear();
        if (!isBrokerRunning()) {
            startBroker();
        }
    }

    /** @return the host of the broker the device connects to: the emulator's, or mosquitto in MQTT 5 mode */
    static String brokerHost() {
        return MQTT5 ? front.host() : emulator.host();
    }

    /** @return the plain MQTT port of the broker the device connects to */
    static int brokerPort() {
        return MQTT5 ? front.port() : emulator.mqttPort();
    }

    /** The device's broker goes away (connections drop, nothing reaches the emulator); the emulator's state stays. */
    static void stopBroker() {
        if (MQTT5) {
            front.stop();
        } else {
            emulator.stopBroker();
        }
    }

    /** The device's broker comes back on the same port (in MQTT 5 mode: returns once its bridge is up). */
    static void startBroker() {
        if (MQTT5) {
            front.start();
        } else {
            emulator.startBroker();
        }
    }

    /** In MQTT 5 mode: fails unless mosquitto saw this client connect with MQTT 5 (p5 in its log). */
    static void assertMqtt5(String clientId) {
        if (MQTT5) {
            assertEquals(5, front.protocolOf(clientId), "protocol level of client " + clientId + " at mosquitto");
        }
    }

    static boolean isBrokerRunning() {
        return MQTT5 ? front.isRunning() : emulator.isBrokerRunning();
    }

    /**
     * The device's broker drops one client's connection: the emulator closes it, or in MQTT 5 mode mosquitto closes
     * it for a session takeover (another connection with the same client id, closed at once).
     *
     * @return whether the broker had such a client and dropped it
     */
    static boolean disconnectClient(String clientId) {
        return MQTT5 ? front.disconnectClient(clientId) : emulator.disconnectClient(clientId);
    }

    static String unique(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet();
    }

    /** A connected connection to the device's broker, wrapped to record traffic. */
    RecordingConnection connect(String clientId) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", clientId);
        m.put("transport", "tcp");
        m.put("mqtt.version", MQTT_VERSION);
        m.put("endpoint", brokerHost());
        m.put("port", brokerPort());
        m.put("client.id", clientId);
        m.put("reconnect.backoff.base.ms", 50L);
        m.put("reconnect.backoff.max.ms", 200L);
        m.put("reconnect.stable.ms", 100L);
        m.put("operation.timeout", 5);
        m.put("queue.drain.frequency", 0.0);
        Connections.Standalone c = Connections.open(m);
        opened.add(c);
        Await.until("connection " + clientId + " connected", WAIT, () -> c.state() == ConnectionState.CONNECTED);
        assertMqtt5(clientId);
        return new RecordingConnection(c);
    }

    /** Jobs settings for tests: short timeouts; overrides as configuration properties. */
    static Map<String, Object> settings(String thing, Object... overrides) {
        Map<String, Object> m = new HashMap<>();
        m.put("thing.name", thing);
        m.put("operation.timeout.ms", 2000);
        m.put("handler.wait.ms", 0);
        m.put("cancel.wait.ms", 5000);
        m.put("retry.base.ms", 50);
        m.put("retry.max.ms", 500);
        for (int i = 0; i < overrides.length; i += 2) {
            m.put((String) overrides[i], overrides[i + 1]);
        }
        return m;
    }

    Jobs.Standalone jobs(RecordingConnection connection, Map<String, Object> settings) {
        Jobs.Standalone j = Jobs.open(connection, settings);
        opened.add(j);
        return j;
    }

    Jobs.Standalone jobs(RecordingConnection connection, Map<String, Object> settings, Recorder recorder) {
        Jobs.Standalone j = jobs(connection, settings);
        j.addObserver(recorder);
        return j;
    }

    static Optional<JobExecution> execution(String thing, String jobId) {
        return emulator.jobExecution(thing, jobId);
    }

    static String status(String thing, String jobId) {
        return execution(thing, jobId).map(JobExecution::status).orElse("none");
    }

    /** Waits until the emulator has the execution in this status, and returns it. */
    static JobExecution awaitStatus(String thing, String jobId, String status) {
        Await.until(jobId + " " + status, WAIT, () -> status.equals(status(thing, jobId)),
                () -> "(is " + execution(thing, jobId).orElse(null) + ")");
        return execution(thing, jobId).orElseThrow();
    }

    /** Asserts the status stays the same for a while. */
    static void assertStays(String thing, String jobId, String status, Duration time) {
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            String s = status(thing, jobId);
            if (!status.equals(s)) {
                fail(jobId + " became " + s + ", expected it to stay " + status);
            }
            Await.sleep(20);
        }
    }

    /** Waits for the engine's subscriptions to be in place (an answer to a request proves it). */
    static void ready(Jobs.Standalone jobs) {
        jobs.listPendingAndWait();
    }
}
