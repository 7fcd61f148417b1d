package org.iotgateway.shadow.internal;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * One emulator per test class (plain TCP on an ephemeral port), real connections from the mqtt bundle
 * ({@link Connections#open}), a fresh shadow engine and unique thing names per test.
 */
abstract class EmulatorTestBase {

    static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    static Emulator emulator;

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
    }

    @AfterAll
    static void stopEmulator() {
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
        if (emulator != null && !emulator.isBrokerRunning()) {
            emulator.startBroker();
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet();
    }

    /** Opens a connection to the emulator and waits until it is connected. */
    Connections.Standalone connect(String connectionId) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("connection.id", connectionId);
        cfg.put("transport", "tcp");
        // -Diotgw.test.mqtt.version=5 runs the suite over MQTT 5 (the emulator's Moquette 0.17 refuses MQTT 5 CONNECTs)
        cfg.put("mqtt.version", System.getProperty("iotgw.test.mqtt.version", "3.1.1"));
        cfg.put("endpoint", emulator.host());
        cfg.put("port", emulator.mqttPort());
        cfg.put("client.id", unique(connectionId));
        cfg.put("reconnect.backoff.base.ms", 100L);
        cfg.put("reconnect.backoff.max.ms", 400L);
        cfg.put("queue.drain.frequency", 0.0);
        cfg.put("metrics.enabled", false);
        Connections.Standalone c = Connections.open(cfg);
        closeables.add(c);
        awaitState(c, ConnectionState.CONNECTED);
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
