package org.iotgateway.emulator;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import org.iotgateway.emulator.internal.EmulatorCore;

/**
 * A local AWS IoT Core: MQTT broker (plain TCP, TLS with client certificates, WebSocket), Device
 * Shadow service, Jobs, Greengrass discovery endpoint and, optionally, an admin HTTP endpoint.
 *
 * <pre>{@code
 * try (Emulator emulator = Emulator.builder().build().start()) {
 *     MqttClient client = new MqttClient(emulator.mqttUrl(), "device-1", new MemoryPersistence());
 *     ...
 *     emulator.createJob("job-1", "{\"operation\":\"reboot\"}", "thing-1");
 * }
 * }</pre>
 *
 * <p>Defaults suit tests: everything on 127.0.0.1, ephemeral ports, certificates generated into a
 * temporary directory that is deleted on {@link #stop()}, no admin endpoint. Instances share nothing:
 * several emulators can run in one JVM. An emulator starts once; {@link #stopBroker()} and
 * {@link #startBroker()} simulate an outage on the same ports.
 */
public final class Emulator implements EmulatorControl, AutoCloseable {

    private final EmulatorCore core;

    private Emulator(Builder b) {
        this.core = new EmulatorCore(new EmulatorCore.Settings(b.host, b.mqttPort, b.tlsPort, b.websocketPort,
                b.discoveryPort, b.adminPort, b.certificateDirectory, List.copyOf(b.devices), b.keyAlgorithm,
                List.copyOf(b.serverNames), b.caCertificate, b.caPrivateKey, b.serverCertificate,
                b.serverPrivateKey, List.copyOf(b.trustedClientCas), b.clock, b.timeoutCheckInterval,
                b.processingThreads, b.maxMessageBytes, b.requestLatency), this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts every component; returns this. Throws {@link EmulatorException} when one cannot start. */
    public Emulator start() {
        core.start();
        return this;
    }

    /** Stops every component and releases the ports (idempotent). */
    public void stop() {
        core.stop();
    }

    @Override
    public void close() {
        stop();
    }

    public boolean isRunning() {
        return core.isRunning();
    }

    // ------------------------------------------------------------------ where things are

    /** The address clients connect to (the bind address, or 127.0.0.1 when bound to all interfaces). */
    public String host() {
        return core.connectHost();
    }

    /** The plain MQTT port, -1 when disabled. */
    public int mqttPort() {
        return core.broker().mqttPort();
    }

    /** The MQTT over TLS port (client certificate required), -1 when disabled. */
    public int tlsPort() {
        return core.broker().tlsPort();
    }

    /** The MQTT over WebSocket port (path {@code /mqtt}), -1 when disabled. */
    public int websocketPort() {
        return core.broker().websocketPort();
    }

    /** The Greengrass discovery HTTPS port, -1 when disabled. */
    public int discoveryPort() {
        return core.discoveryPort();
    }

    /** The admin HTTP port, -1 when disabled. */
    public int adminPort() {
        return core.adminPort();
    }

    /** {@code tcp://host:port} for Paho. */
    public String mqttUrl() {
        return "tcp://" + hostForUrl() + ":" + mqttPort();
    }

    /** {@code ssl://host:port} for Paho. */
    public String tlsUrl() {
        return "ssl://" + hostForUrl() + ":" + tlsPort();
    }

    /** {@code ws://host:port/mqtt} for Paho. */
    public String websocketUrl() {
        return "ws://" + hostForUrl() + ":" + websocketPort() + "/mqtt";
    }

    /** {@code https://host:port} of the discovery endpoint. */
    public String discoveryUrl() {
        return "https://" + hostForUrl() + ":" + discoveryPort();
    }

    /** {@code http://host:port} of the admin endpoint, or null when disabled. */
    public String adminUrl() {
        return adminPort() < 0 ? null : "http://" + hostForUrl() + ":" + adminPort();
    }

    private String hostForUrl() {
        String h = host();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    public EmulatorCertificates certificates() {
        return core.pki();
    }

    /** The credentials of a device named at build time (or issued since). */
    public DeviceCredentials device(String name) {
        return core.pki().device(name).orElseThrow(() -> new IllegalArgumentException("unknown device " + name));
    }

    public Clock clock() {
        return core.clock();
    }

    // ------------------------------------------------------------------ EmulatorControl

    @Override
    public java.util.Optional<String> shadow(String thingName, String shadowName) {
        return core.shadow(thingName, shadowName);
    }

    /** The classic shadow of the thing. */
    public java.util.Optional<String> shadow(String thingName) {
        return core.shadow(thingName, null);
    }

    @Override
    public String updateShadow(String thingName, String shadowName, String updateDocument) {
        return core.updateShadow(thingName, shadowName, updateDocument);
    }

    @Override
    public String setDesired(String thingName, String shadowName, String desiredJson) {
        return core.setSection(thingName, shadowName, "desired", desiredJson);
    }

    @Override
    public String setReported(String thingName, String shadowName, String reportedJson) {
        return core.setSection(thingName, shadowName, "reported", reportedJson);
    }

    @Override
    public boolean deleteShadow(String thingName, String shadowName) {
        return core.deleteShadow(thingName, shadowName);
    }

    @Override
    public List<String> namedShadows(String thingName) {
        return core.namedShadows(thingName);
    }

    @Override
    public void createJob(String jobId, String jobDocument, Collection<String> thingNames) {
        core.createJob(jobId, jobDocument, thingNames);
    }

    @Override
    public int cancelJob(String jobId, boolean force) {
        return core.cancelJob(jobId, force);
    }

    @Override
    public boolean cancelJobExecution(String thingName, String jobId, boolean force) {
        return core.cancelJobExecution(thingName, jobId, force);
    }

    @Override
    public boolean removeJobExecution(String thingName, String jobId) {
        return core.removeJobExecution(thingName, jobId);
    }

    @Override
    public java.util.Optional<JobExecution> jobExecution(String thingName, String jobId) {
        return core.jobExecution(thingName, jobId);
    }

    @Override
    public List<JobExecution> jobExecutions(String thingName) {
        return core.jobExecutions(thingName);
    }

    @Override
    public int checkTimeouts() {
        return core.checkTimeouts();
    }

    @Override
    public List<ConnectedClient> connectedClients() {
        return core.broker().clients();
    }

    @Override
    public boolean disconnectClient(String clientId) {
        return core.broker().disconnect(clientId);
    }

    @Override
    public void stopBroker() {
        core.stopBroker();
    }

    @Override
    public void startBroker() {
        core.startBroker();
    }

    @Override
    public boolean isBrokerRunning() {
        return core.broker().isRunning();
    }

    @Override
    public void setDiscoveryGroups(String thingName, List<DiscoveryGroup> groups) {
        core.discovery().setGroups(thingName, groups);
    }

    @Override
    public void addDiscoveryGroup(String thingName, DiscoveryGroup group) {
        core.discovery().addGroup(thingName, group);
    }

    @Override
    public void failDiscovery(int httpStatus, int times) {
        core.discovery().injectFailure(httpStatus, times);
    }

    @Override
    public DeviceCredentials issueDeviceCertificate(String deviceName) {
        return core.pki().issueDevice(deviceName);
    }

    @Override
    public void registerClientCertificate(java.security.cert.X509Certificate certificate) {
        core.pki().registerClient(certificate);
    }

    @Override
    public boolean unregisterClientCertificate(java.security.cert.X509Certificate certificate) {
        return core.pki().unregisterClient(certificate);
    }

    @Override
    public String toString() {
        return core.describe();
    }

    /**
     * Configuration. Ports: 0 picks an ephemeral port (default), -1 disables the listener.
     */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int mqttPort = 0;
        private int tlsPort = 0;
        private int websocketPort = 0;
        private int discoveryPort = 0;
        private int adminPort = -1;
        private Path certificateDirectory;
        private final List<String> devices = new ArrayList<>(List.of("device"));
        private KeyAlgorithm keyAlgorithm = KeyAlgorithm.EC_P256;
        private final List<String> serverNames = new ArrayList<>();
        private Path caCertificate;
        private Path caPrivateKey;
        private Path serverCertificate;
        private Path serverPrivateKey;
        private final List<Path> trustedClientCas = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private Duration timeoutCheckInterval = Duration.ofSeconds(1);
        private int processingThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int maxMessageBytes = 512 * 1024;
        private Duration requestLatency = Duration.ZERO;

        private Builder() {
        }

        /** Bind address of every listener (default 127.0.0.1; 0.0.0.0 for all interfaces). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        public Builder mqttPort(int port) {
            this.mqttPort = checkPort(port);
            return this;
        }

        public Builder tlsPort(int port) {
            this.tlsPort = checkPort(port);
            return this;
        }

        public Builder websocketPort(int port) {
            this.websocketPort = checkPort(port);
            return this;
        }

        /** Greengrass discovery HTTPS port (the service uses 8443). */
        public Builder discoveryPort(int port) {
            this.discoveryPort = checkPort(port);
            return this;
        }

        /** Admin HTTP endpoint port (disabled, -1, by default). */
        public Builder adminPort(int port) {
            this.adminPort = checkPort(port);
            return this;
        }

        /**
         * Where certificates are generated on first start and found on later starts. Default: a new
         * temporary directory, deleted on stop.
         */
        public Builder certificateDirectory(Path dir) {
            this.certificateDirectory = dir;
            return this;
        }

        /** Devices whose certificates must exist after start (default: one named {@code device}). */
        public Builder devices(String... names) {
            this.devices.clear();
            this.devices.addAll(List.of(names));
            return this;
        }

        public Builder keyAlgorithm(KeyAlgorithm algorithm) {
            this.keyAlgorithm = Objects.requireNonNull(algorithm);
            return this;
        }

        /** Extra DNS names or IP addresses for the generated server certificate (localhost, 127.0.0.1 and ::1 are always in). */
        public Builder serverName(String dnsNameOrIp) {
            this.serverNames.add(Objects.requireNonNull(dnsNameOrIp));
            return this;
        }

        /** Use an existing CA (PEM files) instead of generating one; the key may be null (then no certificates can be issued). */
        public Builder caCertificate(Path certificatePem, Path privateKeyPem) {
            this.caCertificate = certificatePem;
            this.caPrivateKey = privateKeyPem;
            return this;
        }

        /** Use an existing server certificate and key (PEM files). */
        public Builder serverCertificate(Path certificatePem, Path privateKeyPem) {
            this.serverCertificate = certificatePem;
            this.serverPrivateKey = privateKeyPem;
            return this;
        }

        /** Also accept client certificates signed by this CA (PEM) on the TLS listener. */
        public Builder trustClientCa(Path caPem) {
            this.trustedClientCas.add(caPem);
            return this;
        }

        /** The clock for timestamps and step timeouts (a {@link ManualClock} in tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** How often step timers are checked (default 1 s). */
        public Builder timeoutCheckInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive");
            }
            this.timeoutCheckInterval = interval;
            return this;
        }

        /** Threads processing shadow and jobs requests; requests of one thing always run in order. */
        public Builder processingThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1");
            }
            this.processingThreads = threads;
            return this;
        }

        /** Largest MQTT message the broker accepts (default 512 KB, so oversized requests get 413). */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 256 * 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 256 KB");
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * Simulated service latency: every shadow and jobs request received over MQTT waits this long
         * before it is processed (default zero). Requests of one thing stay in order, other things are
         * not held up. Lets tests exercise client timeouts and the limit of 10 in-flight shadow requests
         * per thing and connection (the 11th gets a 429 rejection).
         */
        public Builder requestLatency(Duration latency) {
            if (latency.isNegative()) {
                throw new IllegalArgumentException("latency must not be negative");
            }
            this.requestLatency = latency;
            return this;
        }

        public Emulator build() {
            if ((serverCertificate == null) != (serverPrivateKey == null)) {
                throw new IllegalArgumentException("server certificate and key go together");
            }
            return new Emulator(this);
        }

        private static int checkPort(int port) {
            if (port < -1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
