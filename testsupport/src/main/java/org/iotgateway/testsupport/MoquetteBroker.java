package org.iotgateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLException;

import io.moquette.BrokerConstants;
import io.moquette.broker.Server;
import io.moquette.broker.config.IConfig;
import io.moquette.broker.config.MemoryConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-JVM Moquette 0.17 MQTT broker on 127.0.0.1 for tests: plain TCP, anonymous clients allowed, no persistence
 * (in-memory sessions, subscriptions and queues), telemetry off, 1 MiB maximum message size.
 *
 * <pre>{@code
 * try (MoquetteBroker broker = MoquetteBroker.launch()) {      // free port
 *     connect(broker.url());                                   // tcp://127.0.0.1:<port>
 *     broker.stop();                                           // simulate an outage: clients are disconnected
 *     broker.start();                                          // same port again, empty state
 * }
 * }</pre>
 *
 * <p>Optionally a TLS listener ({@link Builder#tls(TestPki.Issued, boolean)}) that can require client certificates;
 * Debian's mosquitto ({@link Mosquitto}) is the primary TLS broker for tests, this one needs no external binary.
 *
 * <p>A restarted broker has forgotten all sessions, subscriptions and retained messages, like a real broker without
 * persistence.
 */
public final class MoquetteBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MoquetteBroker.class);

    /** Default maximum MQTT message size accepted by the broker: 1 MiB (Moquette's own default is 8 KB). */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

    private final Map<String, String> properties;
    private final TestPki.Issued tlsServer;
    private final List<X509Certificate> tlsTrusted;
    private final boolean needClientAuth;
    private final Path dataDir;
    private int port;
    private int sslPort;
    private int websocketPort;
    private Server server;
    private boolean closed;

    private MoquetteBroker(Builder builder) {
        this.properties = new LinkedHashMap<>(builder.properties);
        this.tlsServer = builder.tlsServer;
        this.tlsTrusted = List.copyOf(builder.tlsTrusted);
        this.needClientAuth = builder.needClientAuth;
        this.port = builder.port;
        this.sslPort = builder.tlsServer == null ? -1 : builder.sslPort;
        // Moquette 0.17 does not report a WebSocket port it chose itself, so pick a free one up front
        this.websocketPort = !builder.websocket ? -1
                : builder.websocketPort == 0 ? FreePort.find() : builder.websocketPort;
        try {
            this.dataDir = Files.createTempDirectory("moquette-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a broker on a free port.
     *
     * @return the running broker
     */
    public static MoquetteBroker launch() {
        return builder().start();
    }

    /**
     * Starts a broker on the given port.
     *
     * @param port the TCP port on 127.0.0.1
     * @return the running broker
     */
    public static MoquetteBroker launch(int port) {
        return builder().port(port).start();
    }

    /** @return a builder for a broker with more options */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link MoquetteBroker}. */
    public static final class Builder {
        private final Map<String, String> properties = new LinkedHashMap<>();
        private int port;
        private int sslPort;
        private boolean websocket;
        private int websocketPort;
        private TestPki.Issued tlsServer;
        private final List<X509Certificate> tlsTrusted = new ArrayList<>();
        private boolean needClientAuth;

        private Builder() {
            maxMessageSize(DEFAULT_MAX_MESSAGE_SIZE);
        }

        /**
         * @param tcpPort plain MQTT port, 0 (default) for a free one
         * @return this
         */
        public Builder port(int tcpPort) {
            this.port = tcpPort;
            return this;
        }

        /**
         * @param bytes the largest MQTT packet the broker accepts (default {@value #DEFAULT_MAX_MESSAGE_SIZE})
         * @return this
         */
        public Builder maxMessageSize(int bytes) {
            return property(IConfig.NETTY_MAX_BYTES_PROPERTY_NAME, Integer.toString(bytes));
        }

        /**
         * Sets any Moquette configuration property (see {@link BrokerConstants} and {@link IConfig}); applied last.
         *
         * @param key the property name
         * @param value the value
         * @return this
         */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /**
         * Adds an MQTT over WebSocket listener ({@code ws://127.0.0.1:<port>/mqtt}).
         *
         * @param wsPort the port, 0 for a free one
         * @return this
         */
        public Builder websocket(int wsPort) {
            this.websocket = true;
            this.websocketPort = wsPort;
            return this;
        }

        /**
         * Adds a TLS listener (TLSv1.3 and TLSv1.2) on a free port, presenting {@code server}'s certificate chain.
         * With {@code requireClientCertificate} clients must present a certificate issued by {@code server}'s root
         * CA or by one of {@link #trust(X509Certificate...)}.
         *
         * @param server server certificate and key, for example {@link TestPki#server()}
         * @param requireClientCertificate whether client certificates are required
         * @return this
         */
        public Builder tls(TestPki.Issued server, boolean requireClientCertificate) {
            this.tlsServer = Objects.requireNonNull(server);
            this.needClientAuth = requireClientCertificate;
            return this;
        }

        /**
         * @param tlsPort the TLS listener port (default 0: a free one); needs {@link #tls(TestPki.Issued, boolean)}
         * @return this
         */
        public Builder sslPort(int tlsPort) {
            this.sslPort = tlsPort;
            return this;
        }

        /**
         * @param additionalCas further CA certificates trusted for client certificates
         * @return this
         */
        public Builder trust(X509Certificate... additionalCas) {
            tlsTrusted.addAll(List.of(additionalCas));
            return this;
        }

        /** @return the started broker */
        public MoquetteBroker start() {
            MoquetteBroker broker = new MoquetteBroker(this);
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
     * Starts the broker, on the same ports as before if it ran already. Does nothing if running.
     *
     * @throws IllegalStateException if closed
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("broker closed");
        }
        if (server != null) {
            return;
        }
        // Ports are chosen here rather than by the system: asking Moquette 0.17 for a port it chose races with
        // Netty's bind listener on a plain HashMap (ConcurrentModificationException, or a port that stays 0).
        // A port picked here may be taken by someone else before the bind, so an automatic choice is retried.
        boolean automatic = port == 0 || (tlsServer != null && sslPort == 0);
        for (int attempt = 1;; attempt++) {
            int tryPort = port == 0 ? FreePort.find() : port;
            int trySslPort = tlsServer != null && sslPort == 0 ? FreePort.find() : sslPort;
            try {
                server = startOn(tryPort, trySslPort);
                port = tryPort; // remembered: a restart binds the same ports
                sslPort = trySslPort;
                break;
            } catch (IllegalStateException e) {
                if (!automatic || attempt >= 5) {
                    throw e;
                }
                LOG.info("Moquette could not bind {} (attempt {}), trying other ports", tryPort, attempt);
            }
        }
        LOG.info("Moquette started on 127.0.0.1:{}{}", port, tlsServer == null ? "" : " (TLS on " + sslPort + ")");
    }

    /** Stops the broker, disconnecting all clients; {@link #start()} brings it back on the same ports. */
    public synchronized void stop() {
        if (server != null) {
            Server s = server;
            server = null;
            skipQuietPeriod(s);
            s.stopServer();
            LOG.info("Moquette on 127.0.0.1:{} stopped", port);
        }
    }

    /** @return whether the broker is running */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** @return the plain MQTT port (also while stopped) */
    public synchronized int port() {
        return port;
    }

    /** @return {@code tcp://127.0.0.1:<port>} */
    public String url() {
        return "tcp://127.0.0.1:" + port();
    }

    /**
     * @return the TLS port (also while stopped)
     * @throws IllegalStateException if no TLS listener was configured
     */
    public synchronized int sslPort() {
        if (tlsServer == null) {
            throw new IllegalStateException("no TLS listener configured");
        }
        return sslPort;
    }

    /** @return {@code ssl://127.0.0.1:<sslPort>} */
    public String sslUrl() {
        return "ssl://127.0.0.1:" + sslPort();
    }

    /**
     * @return the WebSocket port
     * @throws IllegalStateException if no WebSocket listener was configured
     */
    public synchronized int websocketPort() {
        if (websocketPort < 0) {
            throw new IllegalStateException("no WebSocket listener configured");
        }
        return websocketPort;
    }

    /**
     * @return the running Moquette server, for {@code internalPublish}, {@code listConnectedClients} and interceptors
     * @throws IllegalStateException if stopped
     */
    public synchronized Server server() {
        if (server == null) {
            throw new IllegalStateException("broker not running");
        }
        return server;
    }

    /** Stops the broker for good and deletes its temporary directory. */
    @Override
    public synchronized void close() {
        stop();
        closed = true;
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("cannot delete {}", dataDir, e);
        }
    }

    @Override
    public String toString() {
        return "MoquetteBroker[" + url() + (isRunning() ? "" : ", stopped") + "]";
    }

    /**
     * Moquette 0.17 stops Netty with {@code shutdownGracefully()}, which waits a two-second quiet period; tests that
     * simulate outages stop brokers often. Starting the shutdown without quiet period first makes Moquette's own
     * call return at once. Reflection on the pinned test-only version; if its fields change, stopping is merely slow.
     */
    private static void skipQuietPeriod(Server s) {
        try {
            Field acceptorField = Server.class.getDeclaredField("acceptor");
            acceptorField.setAccessible(true);
            Object acceptor = acceptorField.get(s);
            if (acceptor == null) {
                return;
            }
            for (String name : new String[] {"bossGroup", "workerGroup"}) {
                Field groupField = acceptor.getClass().getDeclaredField(name);
                groupField.setAccessible(true);
                Object group = groupField.get(acceptor);
                if (group instanceof EventLoopGroup) {
                    ((EventLoopGroup) group).shutdownGracefully(0, 2, TimeUnit.SECONDS);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("cannot shorten Moquette's shutdown", e);
        }
    }

    private Server startOn(int tcpPort, int tlsPort) {
        Properties props = new Properties();
        props.setProperty(IConfig.HOST_PROPERTY_NAME, "127.0.0.1");
        props.setProperty(IConfig.PORT_PROPERTY_NAME, Integer.toString(tcpPort));
        props.setProperty(IConfig.ALLOW_ANONYMOUS_PROPERTY_NAME, "true");
        props.setProperty(IConfig.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        props.setProperty(IConfig.DATA_PATH_PROPERTY_NAME, dataDir.toString());
        props.setProperty(IConfig.ENABLE_TELEMETRY_NAME, "false");
        props.setProperty(BrokerConstants.NETTY_SO_REUSEADDR_PROPERTY_NAME, "true");
        if (websocketPort >= 0) {
            props.setProperty(IConfig.WEB_SOCKET_PORT_PROPERTY_NAME, Integer.toString(websocketPort));
        }
        if (tlsServer != null) {
            props.setProperty(IConfig.SSL_PORT_PROPERTY_NAME, Integer.toString(tlsPort));
            props.setProperty(BrokerConstants.NEED_CLIENT_AUTH, Boolean.toString(needClientAuth));
        }
        props.putAll(properties);
        IConfig config = new MemoryConfig(props);
        Server candidate = new Server();
        try {
            // a null ISslContextCreator makes Moquette read a JKS keystore from the configuration; ours builds
            // the Netty context straight from the TestPki objects
            candidate.startServer(config, null, tlsServer == null ? null : this::sslContext, null, null);
        } catch (IOException | RuntimeException e) {
            try {
                candidate.stopServer();
            } catch (RuntimeException ignored) {
                // partially started; nothing more to release
            }
            throw new IllegalStateException("Moquette did not start on 127.0.0.1:" + tcpPort, e);
        }
        return candidate;
    }

    private SslContext sslContext() {
        try {
            List<X509Certificate> trusted = new ArrayList<>(tlsTrusted);
            trusted.add(tlsServer.caCertificate());
            PrivateKey key = tlsServer.privateKey();
            return SslContextBuilder.forServer(key, tlsServer.chain().toArray(new X509Certificate[0]))
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .trustManager(trusted.toArray(new X509Certificate[0]))
                    .clientAuth(needClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the broker's TLS context", e);
        }
    }
}
