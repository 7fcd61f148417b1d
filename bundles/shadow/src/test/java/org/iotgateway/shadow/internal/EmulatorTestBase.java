package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.mqtt.internal.Connections;
import org.iotgateway.testsupport.MosquittoBridge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * One emulator per test class (plain TCP on an ephemeral port), real connections from the mqtt bundle
 * ({@link Connections#open}), a fresh shadow engine and unique thing names per test.
 * <p>
 * {@code -Diotgw.test.mqtt.version=5} runs the same tests over MQTT 5: the emulator's broker (Moquette) speaks only
 * 3.1.1, so each test class then also starts a mosquitto with a bridge carrying {@code $aws/#} to the emulator, and
 * the connections talk MQTT 5 to mosquitto. {@link #stopBroker()} / {@link #startBroker()} take away and bring back
 * the broker the device talks to in either mode.
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

    ShadowEngine engine;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startEmulator() {
        emulator = Emulator.builder()
                .certificateDirectory(Path.of("target", "emulator-certs"))
                .tlsPort(-1)
                .websocketPort(-1)
                .discoveryPort(-1)
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

    @BeforeEach
    void newEngine() {
        engine = new ShadowEngine();
    }

    @AfterEach
    void closeAll() throws Exception {
        engine.close();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        closeables.clear();
        if (emulator != null && !isBrokerRunning()) {
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

    static String unique(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet();
    }

    /** Opens a connection to the device's broker and waits until it is connected. */
    Connections.Standalone connect(String connectionId) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("connection.id", connectionId);
        cfg.put("transport", "tcp");
        cfg.put("mqtt.version", MQTT_VERSION);
        cfg.put("endpoint", brokerHost());
        cfg.put("port", brokerPort());
        cfg.put("client.id", unique(connectionId));
        cfg.put("reconnect.backoff.base.ms", 100L);
        cfg.put("reconnect.backoff.max.ms", 400L);
        cfg.put("queue.drain.frequency", 0.0);
        cfg.put("metrics.enabled", false);
        Connections.Standalone c = Connections.open(cfg);
        closeables.add(c);
        awaitState(c, ConnectionState.CONNECTED);
        assertMqtt5((String) cfg.get("client.id"));
        return c;
    }

    static void awaitState(IoTConnection c, ConnectionState state) {
        Waits.until("connection '" + c.id() + "' is " + state, WAIT, () -> c.state() == state);
    }

    /** @return the emulator's name for a shadow: null for the classic one */
    static String emulatorName(String shadowName) {
        return shadowName.isEmpty() ? null : shadowName;
    }
}
