package org.iotgateway.itests;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.moquette.BrokerConstants;
import io.moquette.broker.ClientDescriptor;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;

/**
 * An MQTT broker (Moquette) for the tests, running in the host JVM, outside the OSGi framework.
 * <p>
 * Host side only: call {@link #ensureStarted()} from a {@code @Configuration} method and hand the
 * port to the probe with a system property ({@value #PORT_PROPERTY}). This class is part of the
 * probe bundle like every test class, but code running inside the framework must never touch it:
 * the framework cannot see the Moquette classes (the probe imports nothing from {@code io.moquette}).
 * <p>
 * One broker serves every test class of the JVM; it is started once and stopped when the JVM exits.
 * Listening on 127.0.0.1 only, anonymous clients allowed, no persistence, no websocket listener,
 * no telemetry.
 */
public final class TestBroker {

    /** System property carrying the broker's port into the probe. */
    public static final String PORT_PROPERTY = "itest.broker.port";

    private static final int START_ATTEMPTS = 5;

    private static Server server;
    private static int port;

    private TestBroker() {
    }

    /**
     * Starts the broker unless it runs already.
     *
     * @return its port on 127.0.0.1
     */
    public static synchronized int ensureStarted() {
        if (server != null) {
            return port;
        }
        IOException last = null;
        // a free port may be taken by someone else before the broker binds it: try a few
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int candidate = freePort();
            Server s = new Server();
            try {
                s.startServer(new MemoryConfig(config(candidate)));
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException ? (IOException) e : new IOException(e);
                try {
                    s.stopServer();
                } catch (RuntimeException ignored) {
                    // it did not start
                }
                continue;
            }
            server = s;
            port = candidate;
            System.setProperty(PORT_PROPERTY, String.valueOf(candidate));
            Runtime.getRuntime().addShutdownHook(new Thread(TestBroker::stop, "itest-broker-stop"));
            return candidate;
        }
        throw new IllegalStateException("cannot start the Moquette test broker on 127.0.0.1", last);
    }

    /** Stops the broker if it runs. */
    public static synchronized void stop() {
        if (server != null) {
            server.stopServer();
            server = null;
        }
    }

    /**
     * @return the client ids of the clients connected to the broker now (empty when it does not run)
     */
    public static synchronized List<String> connectedClientIds() {
        List<String> ids = new ArrayList<>();
        if (server != null) {
            for (ClientDescriptor client : server.listConnectedClients()) {
                ids.add(client.getClientID());
            }
        }
        return ids;
    }

    private static Properties config(int port) {
        Properties p = new Properties();
        p.setProperty(BrokerConstants.HOST_PROPERTY_NAME, "127.0.0.1");
        p.setProperty(BrokerConstants.PORT_PROPERTY_NAME, String.valueOf(port));
        p.setProperty(BrokerConstants.WEB_SOCKET_PORT_PROPERTY_NAME, BrokerConstants.DISABLED_PORT_BIND);
        p.setProperty(BrokerConstants.ALLOW_ANONYMOUS_PROPERTY_NAME, "true");
        p.setProperty(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        p.setProperty(BrokerConstants.ENABLE_TELEMETRY_NAME, "false");
        p.setProperty(BrokerConstants.BUGSNAG_ENABLE_PROPERTY_NAME, "false");
        p.setProperty(BrokerConstants.METRICS_ENABLE_PROPERTY_NAME, "false");
        // Moquette creates its data directory even without persistence: keep it out of the module
        String base = System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"));
        p.setProperty(BrokerConstants.DATA_PATH_PROPERTY_NAME, new File(base, "moquette").getAbsolutePath() + File.separator);
        return p;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on 127.0.0.1", e);
        }
    }
}
