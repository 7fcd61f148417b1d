package org.iotgateway.itests;

import java.io.File;
import java.nio.file.Path;

import org.iotgateway.emulator.Emulator;

/**
 * The AWS IoT emulator (module iotgw-emulator: embedded Moquette with the jobs, shadow and discovery
 * services) for the tests, running in the host JVM, outside the OSGi framework, like {@link TestBroker}.
 * <p>
 * Host side only: call {@link #ensureStarted()} from a {@code @Configuration} method; the MQTT and admin
 * HTTP ports reach the probe as the system properties {@value #MQTT_PORT_PROPERTY} and
 * {@value #ADMIN_PORT_PROPERTY}. Code inside the framework cannot see the emulator classes; it drives
 * the emulator through its admin HTTP endpoint (JSON, see the emulator's README).
 * <p>
 * Plain MQTT and the admin endpoint only (no TLS, websocket or discovery listener), 127.0.0.1, ephemeral
 * ports, certificates generated under {@code target/itest-framework/emulator-certs}. Started once per JVM,
 * stopped when the JVM exits.
 */
public final class TestEmulator {

    /** System property carrying the emulator's plain MQTT port into the probe. */
    public static final String MQTT_PORT_PROPERTY = "itest.emulator.mqtt.port";
    /** System property carrying the emulator's admin HTTP port into the probe. */
    public static final String ADMIN_PORT_PROPERTY = "itest.emulator.admin.port";

    private static Emulator emulator;

    private TestEmulator() {
    }

    /**
     * Starts the emulator unless it runs already and publishes its ports as system properties.
     *
     * @return the emulator
     */
    public static synchronized Emulator ensureStarted() {
        if (emulator == null) {
            String base = System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"));
            Emulator e = Emulator.builder()
                    .certificateDirectory(Path.of(new File(base, "emulator-certs").getAbsolutePath()))
                    .tlsPort(-1)
                    .websocketPort(-1)
                    .discoveryPort(-1)
                    .adminPort(0)
                    .build()
                    .start();
            emulator = e;
            Runtime.getRuntime().addShutdownHook(new Thread(TestEmulator::stop, "itest-emulator-stop"));
        }
        System.setProperty(MQTT_PORT_PROPERTY, String.valueOf(emulator.mqttPort()));
        System.setProperty(ADMIN_PORT_PROPERTY, String.valueOf(emulator.adminPort()));
        return emulator;
    }

    /** Stops the emulator if it runs. */
    public static synchronized void stop() {
        if (emulator != null) {
            emulator.stop();
            emulator = null;
        }
    }
}
