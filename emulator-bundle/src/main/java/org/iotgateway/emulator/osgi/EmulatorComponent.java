package org.iotgateway.emulator.osgi;

import java.io.File;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;

import org.iotgateway.emulator.DeviceCredentials;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.emulator.EmulatorControl;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the emulator while its configuration (PID {@value #PID}) exists, and registers it as an
 * {@link EmulatorControl} service with its addresses as service properties. Activation returns once the emulator
 * listens and its certificates are on disk, so configurations using those files can follow it.
 */
@Component(configurationPid = EmulatorComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = EmulatorConfig.class)
public class EmulatorComponent {

    static final String PID = "org.iotgateway.emulator";

    /** Service properties of the registered {@link EmulatorControl}. */
    public static final String HOST = "emulator.host";
    public static final String MQTT_PORT = "emulator.mqtt.port";
    public static final String TLS_PORT = "emulator.tls.port";
    public static final String CERTIFICATE_DIRECTORY = "emulator.certificate.directory";

    private static final Logger LOG = LoggerFactory.getLogger(EmulatorComponent.class);

    private Emulator emulator;
    private ServiceRegistration<EmulatorControl> registration;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        EmulatorSettings settings;
        try {
            settings = EmulatorSettings.from(properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Emulator configuration {} is invalid, the emulator is not started: {}", PID, e.getMessage());
            return;
        }
        File data = context.getDataFile("certificates");
        Path defaultDirectory = data == null ? Path.of("emulator-certificates").toAbsolutePath() : data.toPath();
        Emulator e = settings.builder(defaultDirectory).build();
        // Moquette and Netty look some classes up through the context class loader
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(EmulatorComponent.class.getClassLoader());
        try {
            e.start();
        } catch (RuntimeException ex) {
            LOG.error("The emulator could not start (configuration {}): {}", PID, ex.getMessage(), ex);
            e.stop();
            return;
        } finally {
            thread.setContextClassLoader(previous);
        }
        emulator = e;
        logAddresses(e);
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(HOST, e.host());
        p.put(MQTT_PORT, e.mqttPort());
        p.put(TLS_PORT, e.tlsPort());
        p.put(CERTIFICATE_DIRECTORY, e.certificates().directory().toString());
        registration = context.registerService(EmulatorControl.class, e, p);
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
        }
        if (emulator != null) {
            // a client that just sent DISCONNECT is dropped by the broker a moment later: give it that moment
            long end = System.nanoTime() + 1_000_000_000L;
            int clients;
            while ((clients = emulator.connectedClients().size()) > 0 && System.nanoTime() < end) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            emulator.stop();
            emulator = null;
            LOG.info("AWS IoT emulator stopped ({} client(s) were still connected)", clients);
        }
    }

    private static void logAddresses(Emulator e) {
        StringBuilder sb = new StringBuilder("AWS IoT emulator running:");
        if (e.mqttPort() > 0) {
            sb.append("\n  MQTT (TCP)         ").append(e.mqttUrl());
        }
        if (e.tlsPort() > 0) {
            sb.append("\n  MQTT (TLS, mTLS)   ").append(e.tlsUrl());
        }
        if (e.websocketPort() > 0) {
            sb.append("\n  MQTT (WebSocket)   ").append(e.websocketUrl());
        }
        if (e.discoveryPort() > 0) {
            sb.append("\n  Discovery (mTLS)   ").append(e.discoveryUrl());
        }
        if (e.adminPort() > 0) {
            sb.append("\n  Admin (HTTP)       ").append(e.adminUrl());
        }
        sb.append("\n  CA certificate     ").append(e.certificates().caCertificateFile());
        for (String name : e.certificates().deviceNames()) {
            DeviceCredentials d = e.device(name);
            sb.append("\n  thing ").append(name).append(": certificate ").append(d.certificateFile())
                    .append(", private key ").append(d.privateKeyFile());
        }
        LOG.info(sb.toString());
    }
}
