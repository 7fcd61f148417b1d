package org.iotgateway.emulator.internal;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import io.moquette.broker.ClientDescriptor;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.moquette.interception.AbstractInterceptHandler;
import io.moquette.interception.InterceptHandler;
import io.moquette.interception.messages.InterceptPublishMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.iotgateway.emulator.ConnectedClient;
import org.iotgateway.emulator.EmulatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Moquette 0.17 broker behind the emulator's own listeners ({@link FrontEnd}: plain
 * TCP, TLS with required client certificates, WebSocket), Moquette itself listening on the loopback
 * only. Can be stopped and started again on the same public ports (a new Moquette {@link Server}
 * each time).
 */
public final class Broker {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    /** Client id the emulator's own publishes are attributed to (Moquette does not intercept them). */
    public static final String SELF_CLIENT_ID = "iotgw-emulator";
    private static final String INTERNAL_HOST = "127.0.0.1";

    /** Receives every publish a client makes on a {@code $aws/} topic (called on a Moquette thread). */
    @FunctionalInterface
    public interface Sink {
        void onPublish(String clientId, String topic, byte[] payload);
    }

    private final String host;
    private final Pki pki;
    private final Sink sink;
    private final int maxMessageBytes;
    private int mqttPort;
    private int tlsPort;
    private int wsPort;
    private volatile Server server;
    private volatile FrontEnd frontEnd;

    /**
     * @param mqttPort plain TCP port, 0 for an ephemeral port, -1 to disable
     * @param tlsPort  TLS port (client certificates required), 0 ephemeral, -1 disabled
     * @param wsPort   WebSocket port (path /mqtt, any query), 0 ephemeral, -1 disabled
     */
    public Broker(String host, int mqttPort, int tlsPort, int wsPort, int maxMessageBytes, Pki pki, Sink sink) {
        this.host = host;
        this.mqttPort = mqttPort;
        this.tlsPort = tlsPort;
        this.wsPort = wsPort;
        this.maxMessageBytes = maxMessageBytes;
        this.pki = pki;
        this.sink = sink;
    }

    public synchronized void start() {
        if (server != null) {
            return;
        }
        // Moquette listens on the loopback only; clients reach it through the front end's relays
        Properties p = new Properties();
        p.setProperty("host", INTERNAL_HOST);
        p.setProperty("port", "0");
        p.setProperty("websocket_port", "disabled");
        p.setProperty("allow_anonymous", "true");
        p.setProperty("persistence_enabled", "false");
        p.setProperty("telemetry_enabled", "false");
        p.setProperty("use_metrics", "false");
        p.setProperty("use_bugsnag", "false");
        p.setProperty("netty.epoll", "false");
        p.setProperty("netty.mqtt.message_size", Integer.toString(maxMessageBytes));
        p.setProperty("buffer_flush_millis", "immediate");
        p.setProperty("intercept.thread_pool.size", "1");
        long t0 = System.nanoTime();
        Server s = new Server();
        try {
            List<InterceptHandler> handlers = List.of(new Interceptor());
            s.startServer(new MemoryConfig(p), handlers);
            LOG.debug("Moquette started in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            try {
                s.stopServer();
            } catch (RuntimeException ignored) {
                // a half-started server
            }
            throw new EmulatorException("cannot start the MQTT broker: " + e.getMessage(), e);
        }
        // Moquette records the bound port from a listener that runs on its event loop, in a plain
        // HashMap that getPort() also writes to: let that listener run before asking
        drainBossLoops(s);
        int internalPort = awaitPort(s::getPort);
        if (internalPort <= 0) {
            fastShutdownEventLoops(s);
            s.stopServer();
            throw new EmulatorException("the MQTT broker could not bind a port on " + INTERNAL_HOST);
        }
        hardenSessionLoops(s);
        long t1 = System.nanoTime();

        FrontEnd fe = new FrontEnd(host, maxMessageBytes, tlsContext(), clientId -> {
            if (!isListed(s, clientId)) {
                return false;
            }
            raiseWriteBufferLimit(s, clientId);
            return true;
        });
        try {
            fe.open(INTERNAL_HOST, internalPort);
            if (mqttPort >= 0) {
                mqttPort = fe.bindTcp(mqttPort);
            }
            if (tlsPort >= 0) {
                tlsPort = fe.bindTls(tlsPort);
            }
            if (wsPort >= 0) {
                wsPort = fe.bindWebSocket(wsPort);
            }
        } catch (RuntimeException e) {
            fe.close();
            fastShutdownEventLoops(s);
            s.stopServer();
            throw e;
        }
        LOG.debug("front end (TLS context and listeners) ready in {} ms", (System.nanoTime() - t1) / 1_000_000);
        frontEnd = fe;
        server = s;
        LOG.info("MQTT broker listening on {}: tcp {}, tls {}, websocket {}", host, mqttPort, tlsPort, wsPort);
    }

    private io.netty.handler.ssl.SslContext tlsContext() {
        if (tlsPort < 0) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(pki.serverKeyManager())
                    .trustManager(pki.clientTrustManagers())
                    .clientAuth(ClientAuth.REQUIRE)
                    .sslProvider(SslProvider.JDK)
                    .build();
        } catch (SSLException e) {
            throw new EmulatorException("cannot build the TLS context", e);
        }
    }

    /**
     * Moquette drops PUBACKs and QoS 0 messages while its connection to a client holds more than
     * Netty's default 64 KB of unwritten data, which a single large message does. Raise that limit on
     * the connection (reflection, best effort) before the client may send anything but its CONNECT.
     */
    private void raiseWriteBufferLimit(Server s, String clientId) {
        try {
            Object registry = field(Server.class, "sessions").get(s);
            java.lang.reflect.Method retrieve = registry.getClass().getDeclaredMethod("retrieve", String.class);
            retrieve.setAccessible(true);
            Object session = retrieve.invoke(registry, clientId);
            Object connection = session == null ? null : field(session.getClass(), "mqttConnection").get(session);
            Object channel = connection == null ? null : field(connection.getClass(), "channel").get(connection);
            if (channel instanceof io.netty.channel.Channel ch) {
                int high = Math.max(16 * 1024 * 1024, 8 * maxMessageBytes);
                ch.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(high / 2, high));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Cannot raise the write buffer limit for {}: {}", clientId, e.toString());
        }
    }

    private static boolean isListed(Server s, String clientId) {
        for (ClientDescriptor d : s.listConnectedClients()) {
            if (clientId.equals(d.getClientID())) {
                return true;
            }
        }
        return false;
    }

    private static void drainBossLoops(Server s) {
        try {
            Object acceptor = field(Server.class, "acceptor").get(s);
            Object boss = field(acceptor.getClass(), "bossGroup").get(acceptor);
            for (io.netty.util.concurrent.EventExecutor e : (EventLoopGroup) boss) {
                e.submit(() -> { }).awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Cannot synchronize with Moquette's acceptor: {}", e.toString());
        }
    }

    private static int awaitPort(java.util.function.IntSupplier port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int p;
        while ((p = readPort(port)) <= 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return p;
            }
        }
        return p;
    }

    private static int readPort(java.util.function.IntSupplier port) {
        try {
            return port.getAsInt();
        } catch (java.util.ConcurrentModificationException e) {
            return -1;
        }
    }

    public synchronized void stop() {
        Server s = server;
        server = null;
        if (s == null) {
            return;
        }
        if (frontEnd != null) {
            frontEnd.close();
            frontEnd = null;
        }
        fastShutdownEventLoops(s);
        try {
            s.stopServer();
        } catch (RuntimeException e) {
            LOG.warn("Error while stopping the MQTT broker", e);
        }
        LOG.info("MQTT broker stopped");
    }

    /**
     * Moquette 0.17 shuts its Netty event loops down with Netty's default 2 s quiet period; starting the
     * shutdown with no quiet period first makes stop (and a simulated outage) take milliseconds. Best
     * effort: with another Moquette version this silently does nothing.
     */
    private static void fastShutdownEventLoops(Server s) {
        try {
            Field acceptorField = Server.class.getDeclaredField("acceptor");
            acceptorField.setAccessible(true);
            Object acceptor = acceptorField.get(s);
            if (acceptor == null) {
                return;
            }
            for (String name : new String[] {"bossGroup", "workerGroup"}) {
                Field f = acceptor.getClass().getDeclaredField(name);
                f.setAccessible(true);
                Object group = f.get(acceptor);
                if (group instanceof EventLoopGroup g) {
                    g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Fast event loop shutdown not available: {}", e.toString());
        }
    }

    /**
     * Moquette 0.17 runs each client's commands on one of a few "session loop" threads, and a command
     * that throws kills its loop for good: every client hashed to it hangs from then on (fixed upstream
     * after 0.17, "Keep the session event loop alive when a command throws"). Clients that disconnect
     * abruptly while QoS 1 deliveries to them are in flight make 0.17 release a buffer twice
     * (IllegalReferenceCountException in Session.pubAckReceived), which kills a loop within seconds
     * in a test suite. Here a dead loop is replaced by a fresh one on the same
     * queue, so one bad command costs that command only. Best effort: with another Moquette version
     * the reflection fails and the broker runs unchanged.
     */
    private void hardenSessionLoops(Server s) {
        try {
            Object postOffice = field(Server.class, "dispatcher").get(s);
            Object group = field(postOffice.getClass(), "sessionLoops").get(postOffice);
            Object[] loops = (Object[]) field(group.getClass(), "sessionExecutors").get(group);
            Object[] queues = (Object[]) field(group.getClass(), "sessionQueues").get(group);
            Constructor<?> ctor = loops.getClass().getComponentType()
                    .getDeclaredConstructor(java.util.concurrent.BlockingQueue.class);
            ctor.setAccessible(true);
            for (int i = 0; i < loops.length; i++) {
                ((Thread) loops[i]).setUncaughtExceptionHandler(new LoopRespawner(s, loops, queues, i, ctor));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("Cannot guard Moquette's session loops ({}); a failing command may stall clients", e.toString());
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private final class LoopRespawner implements Thread.UncaughtExceptionHandler {
        private final Server owner;
        private final Object[] loops;
        private final Object[] queues;
        private final int index;
        private final Constructor<?> ctor;

        LoopRespawner(Server owner, Object[] loops, Object[] queues, int index, Constructor<?> ctor) {
            this.owner = owner;
            this.loops = loops;
            this.queues = queues;
            this.index = index;
            this.ctor = ctor;
        }

        @Override
        public void uncaughtException(Thread dead, Throwable error) {
            if (server != owner) {
                return; // the broker is stopping or was replaced
            }
            LOG.warn("Moquette session loop {} failed ({}); replacing it", dead.getName(), rootMessage(error));
            try {
                Thread fresh = (Thread) ctor.newInstance(queues[index]);
                fresh.setName(dead.getName());
                fresh.setDaemon(dead.isDaemon());
                fresh.setUncaughtExceptionHandler(this);
                java.lang.reflect.Array.set(loops, index, fresh);
                fresh.start();
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.error("Cannot replace Moquette session loop {}", dead.getName(), e);
            }
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.toString();
    }

    public boolean isRunning() {
        return server != null;
    }

    public synchronized int mqttPort() {
        return mqttPort;
    }

    public synchronized int tlsPort() {
        return tlsPort;
    }

    public synchronized int websocketPort() {
        return wsPort;
    }

    /** Publishes to subscribers at QoS 1 (capped by each subscription's QoS); dropped while stopped. */
    public void publish(String topic, byte[] payload) {
        Server s = server;
        if (s == null) {
            LOG.debug("Broker stopped, dropped publish on {}", topic);
            return;
        }
        MqttPublishMessage msg = MqttMessageBuilders.publish()
                .topicName(topic)
                .retained(false)
                .qos(MqttQoS.AT_LEAST_ONCE)
                .payload(Unpooled.wrappedBuffer(payload))
                .build();
        try {
            s.internalPublish(msg, SELF_CLIENT_ID);
        } catch (RuntimeException e) {
            LOG.debug("Could not publish on {}: {}", topic, e.toString());
        }
    }

    public List<ConnectedClient> clients() {
        Server s = server;
        List<ConnectedClient> out = new ArrayList<>();
        if (s != null) {
            FrontEnd fe = frontEnd;
            for (ClientDescriptor d : s.listConnectedClients()) {
                java.net.SocketAddress real = fe == null ? null : fe.clientAddress(d.getPort());
                if (real instanceof java.net.InetSocketAddress a) {
                    out.add(new ConnectedClient(d.getClientID(), a.getHostString(), a.getPort()));
                } else {
                    out.add(new ConnectedClient(d.getClientID(), d.getAddress(), d.getPort()));
                }
            }
        }
        out.sort((a, b) -> a.clientId().compareTo(b.clientId()));
        return out;
    }

    public boolean disconnect(String clientId) {
        Server s = server;
        return s != null && s.disconnectClient(clientId);
    }

    /** Hands $aws publishes to the sink; never blocks Moquette, never lets an exception escape. */
    private final class Interceptor extends AbstractInterceptHandler {
        @Override
        public String getID() {
            return "iotgw-emulator-services";
        }

        @Override
        public Class<?>[] getInterceptedMessageTypes() {
            return new Class<?>[] {InterceptPublishMessage.class};
        }

        @Override
        public void onPublish(InterceptPublishMessage msg) {
            ByteBuf payload = msg.getPayload();
            try {
                String topic = msg.getTopicName();
                if (topic != null && topic.startsWith("$aws/")) {
                    sink.onPublish(msg.getClientID(), topic, ByteBufUtil.getBytes(payload));
                }
            } catch (Throwable t) {
                LOG.error("Dropped a publish the emulator could not handle", t);
            } finally {
                try {
                    payload.release();
                } catch (RuntimeException e) {
                    LOG.debug("Payload already released", e);
                }
            }
        }

        @Override
        public void onSessionLoopError(Throwable error) {
            LOG.warn("Moquette session loop error", error);
        }
    }
}
