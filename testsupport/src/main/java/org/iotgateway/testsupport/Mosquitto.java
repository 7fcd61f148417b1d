package org.iotgateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debian's {@code mosquitto} 2.x broker as a child process, for tests that need a real broker with TLS.
 *
 * <pre>{@code
 * Mosquitto.require();                                   // fails (never skips) when the binary is missing
 * TestPki pki = TestPki.create(tempDir);
 * try (Mosquitto broker = Mosquitto.builder().tls(pki.server()).start()) {
 *     connect(broker.tlsUrl());                          // ssl://127.0.0.1:<tlsPort>, client certificate required
 *     broker.stop();                                     // outage
 *     broker.start();                                    // back on the same ports
 * }
 * }</pre>
 *
 * <p>The generated configuration: a plain listener on 127.0.0.1, optionally a TLS listener on 127.0.0.1 (TLSv1.2
 * minimum, client certificate required by default), anonymous clients allowed, no persistence, log to
 * {@link #logFile()}. Mosquitto 2.x has no packet size limit by default ({@code max_packet_size} and
 * {@code message_size_limit} unset: up to the MQTT maximum of 256 MB), so 128 KB payloads pass; its defaults of
 * {@code max_inflight_messages 20} and {@code max_queued_messages 1000} per client apply unless changed with
 * {@link Builder#config(String)}.
 *
 * <p>No process is left behind: {@link #close()} stops it, a JVM shutdown hook stops it on normal JVM exit, and
 * the broker runs under a tiny {@code sh} watchdog that kills it when the JVM's end of its stdin pipe closes,
 * which also covers a JVM killed with SIGKILL.
 */
public final class Mosquitto implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Mosquitto.class);

    /** Where Debian's package installs the broker. */
    public static final Path DEFAULT_BINARY = Path.of("/usr/sbin/mosquitto");

    /** System property that overrides {@link #DEFAULT_BINARY}. */
    public static final String BINARY_PROPERTY = "mosquitto.binary";

    private static final String INSTALL_HINT = "mosquitto not installed: apt-get install -y mosquitto";

    /**
     * Starts the broker with stdin/stdout detached and kills it when the JVM side of the shell's stdin closes
     * (stop(), or the JVM dying in any way). The shell itself exits when the broker exits, with its status.
     */
    private static final String WATCHDOG = "exec 3<&0\n"
            + "\"$0\" -c \"$1\" </dev/null 3<&- &\n"
            + "pid=$!\n"
            + "(cat <&3 >/dev/null; kill $pid 2>/dev/null) &\n"
            + "exec 3<&-\n"
            + "wait $pid\n";

    private final Path binary;
    private final Path dir;
    private final Path configFile;
    private final Path logFile;
    private final Builder options;
    private final boolean portsChosen;
    private final Thread shutdownHook;
    private int port;
    private int tlsPort;
    private Process process;
    private boolean started;
    private boolean closed;

    private Mosquitto(Builder builder) {
        this.binary = binary();
        this.options = builder.copy();
        this.portsChosen = builder.port == 0 && (!builder.tls || builder.tlsPort == 0);
        this.port = builder.port;
        this.tlsPort = builder.tls ? builder.tlsPort : -1;
        try {
            this.dir = Files.createTempDirectory("mosquitto-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.configFile = dir.resolve("mosquitto.conf");
        this.logFile = dir.resolve("mosquitto.log");
        this.shutdownHook = new Thread(this::stopQuietly, "mosquitto-shutdown-" + dir.getFileName());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** @return the broker binary: system property {@value #BINARY_PROPERTY}, or {@link #DEFAULT_BINARY} */
    public static Path binary() {
        String configured = System.getProperty(BINARY_PROPERTY);
        return configured == null || configured.isBlank() ? DEFAULT_BINARY : Path.of(configured);
    }

    /** @return whether the mosquitto binary exists and is executable */
    public static boolean available() {
        return Files.isExecutable(binary());
    }

    /**
     * Fails when mosquitto is missing. Tests that need the broker call this (or simply start one, which calls it),
     * so a machine without mosquitto makes them fail with an installation hint instead of skipping silently.
     *
     * @throws IllegalStateException "mosquitto not installed: apt-get install -y mosquitto"
     */
    public static void require() {
        if (!available()) {
            throw new IllegalStateException(INSTALL_HINT + " (looked for " + binary() + ")");
        }
    }

    /**
     * Starts a broker with only a plain listener on a free port.
     *
     * @return the running broker
     */
    public static Mosquitto launch() {
        return builder().start();
    }

    /** @return a builder for a broker with a TLS listener or other options */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link Mosquitto} broker. */
    public static final class Builder {
        private int port;
        private int tlsPort;
        private Path caFile;
        private Path certFile;
        private Path keyFile;
        private boolean tls;
        private boolean requireCertificate = true;
        private boolean useIdentityAsUsername;
        private String tlsVersion = "tlsv1.2";
        private final List<String> extraConfig = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        private Builder copy() {
            Builder b = new Builder();
            b.port = port;
            b.tlsPort = tlsPort;
            b.caFile = caFile;
            b.certFile = certFile;
            b.keyFile = keyFile;
            b.tls = tls;
            b.requireCertificate = requireCertificate;
            b.useIdentityAsUsername = useIdentityAsUsername;
            b.tlsVersion = tlsVersion;
            b.extraConfig.addAll(extraConfig);
            b.startTimeout = startTimeout;
            return b;
        }

        /**
         * @param plainPort the plain listener port, 0 (default) for a free one
         * @return this
         */
        public Builder port(int plainPort) {
            this.port = plainPort;
            return this;
        }

        /**
         * @param listenerPort the TLS listener port, 0 (default) for a free one
         * @return this
         */
        public Builder tlsPort(int listenerPort) {
            this.tlsPort = listenerPort;
            return this;
        }

        /**
         * Adds a TLS listener presenting {@code server}'s certificate and trusting client certificates from its root
         * CA.
         *
         * @param server server certificate and key, typically {@link TestPki#server()}
         * @return this
         */
        public Builder tls(TestPki.Issued server) {
            return tls(server.caCert(), server.cert(), server.key());
        }

        /**
         * Adds a TLS listener. The files are copied into the broker's directory at every {@link Mosquitto#start()},
         * so a restart picks up replaced files.
         *
         * @param ca PEM file of the CA(s) that issue client certificates ({@code cafile})
         * @param cert PEM file of the server certificate chain ({@code certfile})
         * @param key PEM file of the server private key, unencrypted ({@code keyfile})
         * @return this
         */
        public Builder tls(Path ca, Path cert, Path key) {
            this.caFile = Objects.requireNonNull(ca);
            this.certFile = Objects.requireNonNull(cert);
            this.keyFile = Objects.requireNonNull(key);
            this.tls = true;
            return this;
        }

        /**
         * @param required whether TLS clients must present a certificate signed by the CA (default true)
         * @return this
         */
        public Builder requireCertificate(boolean required) {
            this.requireCertificate = required;
            return this;
        }

        /**
         * @param enabled use the client certificate's CN as MQTT user name (default false)
         * @return this
         */
        public Builder useIdentityAsUsername(boolean enabled) {
            this.useIdentityAsUsername = enabled;
            return this;
        }

        /**
         * @param minimum minimum TLS version of the TLS listener: {@code tlsv1.3}, {@code tlsv1.2} (default) or
         *        {@code tlsv1.1}
         * @return this
         */
        public Builder tlsVersion(String minimum) {
            this.tlsVersion = Objects.requireNonNull(minimum);
            return this;
        }

        /**
         * Adds a line to the global part of the configuration, for example {@code max_queued_messages 0}.
         *
         * @param line a mosquitto.conf line
         * @return this
         */
        public Builder config(String line) {
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("one configuration line at a time");
            }
            extraConfig.add(line);
            return this;
        }

        /**
         * @param timeout how long to wait for the listeners to accept connections (default 10 s)
         * @return this
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * Starts the broker.
         *
         * @return the running broker, accepting connections on all its listeners
         * @throws IllegalStateException if mosquitto is not installed or does not start
         */
        public Mosquitto start() {
            require();
            Mosquitto broker = new Mosquitto(this);
            try {
                broker.start();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        }
    }

    /**
     * Starts the broker, on the same ports as before if it ran already, and waits until every listener accepts
     * connections. Does nothing if running.
     *
     * @throws IllegalStateException if it does not start in time (the message contains the broker's log)
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("mosquitto closed");
        }
        if (process != null && process.isAlive()) {
            return;
        }
        boolean firstStart = !started;
        started = true;
        if (process != null) {
            closeQuietly(process); // died on its own: release the watchdog
            process = null;
        }
        for (int attempt = 1;; attempt++) {
            boolean choosePorts = firstStart && portsChosen;
            if (choosePorts) {
                port = FreePort.find();
                if (options.tls) {
                    tlsPort = FreePort.find();
                }
            }
            try {
                spawn();
                return;
            } catch (PortTakenException e) {
                if (!choosePorts || attempt >= 3) {
                    throw new IllegalStateException(e.getMessage());
                }
                LOG.info("port taken meanwhile, retrying mosquitto with other ports");
            }
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 5 s); {@link #start()} brings it back on the same ports. */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        List<ProcessHandle> children = p.descendants().collect(Collectors.toList());
        try {
            p.getOutputStream().close(); // the watchdog sends SIGTERM to mosquitto, the shell exits after it
        } catch (IOException e) {
            LOG.debug("closing mosquitto watchdog pipe", e);
        }
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                LOG.warn("mosquitto did not stop within 5 s, killing it");
                children.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(5, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            children.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        appendLog("---- stopped by test at " + Instant.now() + " ----");
    }

    /** @return whether the broker process is running */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** @return the plain listener port (also while stopped) */
    public synchronized int port() {
        return port;
    }

    /** @return {@code tcp://127.0.0.1:<port>} */
    public String url() {
        return "tcp://127.0.0.1:" + port();
    }

    /**
     * @return the TLS listener port (also while stopped)
     * @throws IllegalStateException without a TLS listener
     */
    public synchronized int tlsPort() {
        if (!options.tls) {
            throw new IllegalStateException("no TLS listener configured");
        }
        return tlsPort;
    }

    /** @return {@code ssl://127.0.0.1:<tlsPort>} */
    public String tlsUrl() {
        return "ssl://127.0.0.1:" + tlsPort();
    }

    /** @return the broker's log file (all starts appended) */
    public Path logFile() {
        return logFile;
    }

    /** @return the generated configuration file */
    public Path configFile() {
        return configFile;
    }

    /** @return the log file contents so far */
    public String log() {
        try {
            return Files.exists(logFile) ? new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    /** Stops the broker for good, removes the shutdown hook and deletes the temporary directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself or during JVM shutdown
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("cannot delete {}", dir, e);
        }
    }

    @Override
    public String toString() {
        return "Mosquitto[" + url() + (!options.tls ? "" : ", " + tlsUrl()) + (isRunning() ? "" : ", stopped")
                + "]";
    }

    // ------------------------------------------------------------------------------------------------------------

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            // JVM is exiting
        }
    }

    private void spawn() {
        writeConfig();
        appendLog("---- started by test at " + Instant.now() + " ----");
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", WATCHDOG, binary.toString(),
                configFile.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        process = p;
        Instant deadline = Instant.now().plus(options.startTimeout);
        List<Integer> ports = new ArrayList<>();
        ports.add(port);
        if (options.tls) {
            ports.add(tlsPort);
        }
        for (int listener : ports) {
            while (!accepts(listener)) {
                if (!p.isAlive()) {
                    process = null;
                    closeQuietly(p);
                    String log = log();
                    String message = "mosquitto exited with status " + p.exitValue() + " before listening on port "
                            + listener + "; log " + logFile + ":\n" + tail(log);
                    if (log.contains("Address already in use")) {
                        throw new PortTakenException(message);
                    }
                    throw new IllegalStateException(message);
                }
                if (Instant.now().isAfter(deadline)) {
                    stop();
                    throw new IllegalStateException("mosquitto did not accept connections on port " + listener
                            + " within " + options.startTimeout + "; log " + logFile + ":\n" + tail(log()));
                }
                sleep(20);
            }
        }
        LOG.info("mosquitto started: {} (pid of watchdog {}, log {})", this, p.pid(), logFile);
    }

    private void writeConfig() {
        StringBuilder conf = new StringBuilder();
        conf.append("# generated by ").append(Mosquitto.class.getName()).append('\n');
        // as root, mosquitto would switch to user "mosquitto", which cannot read our temp files; as another user
        // this line has no effect
        conf.append("user ").append(System.getProperty("user.name")).append('\n');
        conf.append("per_listener_settings false\n");
        conf.append("allow_anonymous true\n");
        conf.append("persistence false\n");
        conf.append("log_dest file ").append(logFile).append('\n');
        conf.append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
        conf.append("log_timestamp_format %Y-%m-%dT%H:%M:%S\n");
        conf.append("connection_messages true\n");
        for (String line : options.extraConfig) {
            conf.append(line).append('\n');
        }
        conf.append("\nlistener ").append(port).append(" 127.0.0.1\n");
        if (options.tls) {
            conf.append("\nlistener ").append(tlsPort).append(" 127.0.0.1\n");
            conf.append("cafile ").append(copy(options.caFile, "ca.pem")).append('\n');
            conf.append("certfile ").append(copy(options.certFile, "server-cert.pem")).append('\n');
            conf.append("keyfile ").append(copy(options.keyFile, "server-key.pem")).append('\n');
            conf.append("require_certificate ").append(options.requireCertificate).append('\n');
            conf.append("use_identity_as_username ").append(options.useIdentityAsUsername).append('\n');
            conf.append("tls_version ").append(options.tlsVersion).append('\n');
        }
        try {
            Files.writeString(configFile, conf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a file into the broker directory: no spaces in paths, readable by the broker. */
    private Path copy(Path source, String name) {
        try {
            return Files.copy(source, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " for mosquitto", e);
        }
    }

    private void appendLog(String line) {
        try {
            Files.writeString(logFile, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.debug("cannot write {}", logFile, e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static String tail(String log) {
        return log.length() <= 8000 ? log : "..." + log.substring(log.length() - 8000);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for mosquitto", e);
        }
    }

    /** The broker could not bind a port that was free a moment before. */
    private static final class PortTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
