package org.iotgateway.testsupport;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * A mosquitto 2.x broker in front of another broker: clients connect to mosquitto with MQTT 3.1.1 or 5, and one
 * bridge carries a topic tree both ways to the remote broker over MQTT 3.1.1. Used to run suites over MQTT 5 against
 * a back end whose own broker speaks only 3.1.1 (the emulator's).
 *
 * <pre>{@code
 * try (MosquittoBridge front = MosquittoBridge.start("127.0.0.1", emulator.mqttPort(), "$aws/#")) {
 *     connect("127.0.0.1", front.port());  // MQTT 5 here, 3.1.1 to the emulator
 *     front.stop();                        // the device's broker goes away (the bridge with it)
 *     front.start();                       // back on the same port, returns once the bridge is up again
 * }
 * }</pre>
 *
 * <p>Bridge settings: {@code bridge_protocol_version mqttv311}, {@code try_private false} (the remote need not know
 * mosquitto's bridge flag), clean session on the remote side, but <em>not</em> on the local side
 * ({@code local_cleansession false}): QoS 1 messages that clients publish while the bridge is still connecting (right
 * after a restart) wait for it instead of being dropped. {@code restart_timeout 1}: a failed bridge retries every
 * second. Every client on mosquitto reaches the remote broker as the one bridge client.
 *
 * <p>Latency: mosquitto 2.0 sets {@code TCP_NODELAY} only on the sockets it accepts ({@code set_tcp_nodelay true} is
 * set here), not on the bridge's outgoing socket, so a request that follows the bridge's PUBACK of the previous reply
 * waits for the remote's delayed ACK (about 40 ms on Linux). Request/reply loops through the bridge therefore take
 * some 44 ms per round trip; functionally nothing is lost.
 */
public final class MosquittoBridge implements AutoCloseable {

    private static final Duration BRIDGE_WAIT = Duration.ofSeconds(15);

    private final Mosquitto broker;
    private final String bridgeClientId;

    private MosquittoBridge(Mosquitto broker, String bridgeClientId) {
        this.broker = broker;
        this.bridgeClientId = bridgeClientId;
    }

    /**
     * Starts mosquitto on a free port with a bridge to {@code remoteHost:remotePort}, and waits until the bridge is
     * connected.
     *
     * @param remoteHost the remote broker's host
     * @param remotePort the remote broker's plain MQTT port
     * @param topicPattern the topic tree carried both ways at QoS 1, for example {@code $aws/#}
     * @return the running broker with its bridge up
     * @throws IllegalStateException if mosquitto is missing, does not start, or the bridge does not connect
     */
    public static MosquittoBridge start(String remoteHost, int remotePort, String topicPattern) {
        Objects.requireNonNull(remoteHost, "remoteHost");
        Objects.requireNonNull(topicPattern, "topicPattern");
        if (remotePort <= 0 || remotePort > 65535) {
            throw new IllegalArgumentException("remote port out of range: " + remotePort);
        }
        if (topicPattern.isEmpty() || topicPattern.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("topic pattern must be non-empty without spaces: '" + topicPattern + "'");
        }
        String clientId = "bridge-" + UUID.randomUUID().toString().substring(0, 8);
        Mosquitto broker = Mosquitto.builder()
                .config("set_tcp_nodelay true")
                .config("connection front")
                .config("address " + remoteHost + ":" + remotePort)
                .config("remote_clientid " + clientId)
                .config("bridge_protocol_version mqttv311")
                .config("try_private false")
                .config("cleansession true")
                .config("local_cleansession false")
                .config("notifications true")
                .config("notifications_local_only true")
                .config("restart_timeout 1")
                .config("topic " + topicPattern + " both 1")
                .start();
        MosquittoBridge bridge = new MosquittoBridge(broker, clientId);
        try {
            bridge.awaitBridge();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return bridge;
    }

    /** @return the host clients connect to: 127.0.0.1 */
    public String host() {
        return "127.0.0.1";
    }

    /** @return mosquitto's plain listener port (also while stopped) */
    public int port() {
        return broker.port();
    }

    /** @return the client id the bridge uses on the remote broker */
    public String bridgeClientId() {
        return bridgeClientId;
    }

    /** @return the broker process */
    public Mosquitto broker() {
        return broker;
    }

    /** @return whether mosquitto runs */
    public boolean isRunning() {
        return broker.isRunning();
    }

    /** Stops mosquitto: its clients and the bridge lose their connections. */
    public void stop() {
        broker.stop();
    }

    /**
     * Starts mosquitto again on the same port and waits until the bridge is connected. Clients may connect (and
     * publish: queued for the bridge) before this returns.
     */
    public void start() {
        broker.start();
        awaitBridge();
    }

    /**
     * Waits for the bridge's retained state notification ({@code $SYS/broker/connection/<id>/state}) to be 1.
     *
     * @throws IllegalStateException if the bridge is not connected within 15 s (the message has mosquitto's log)
     */
    public void awaitBridge() {
        String topic = "$SYS/broker/connection/" + bridgeClientId + "/state";
        long deadline = System.nanoTime() + BRIDGE_WAIT.toNanos();
        try (MqttProbe probe = MqttProbe.connect(host(), port(), "bridge-watch-" + UUID.randomUUID())) {
            probe.subscribe(topic, 0);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    if ("1".equals(probe.receive(Duration.ofNanos(left)).text())) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot watch the bridge state on " + broker + ": " + e.getMessage()
                    + "; log:\n" + broker.log(), e);
        }
        throw new IllegalStateException("the bridge of " + broker + " did not connect within " + BRIDGE_WAIT
                + "; log:\n" + broker.log());
    }

    /**
     * Makes mosquitto drop a client's connection, as a broker does when another client connects with the same id
     * (session takeover): connects a probe with that id, then disconnects it.
     *
     * @param clientId the client to drop
     * @return whether mosquitto logged closing an existing connection with that id
     * @throws IllegalStateException if the probe cannot connect
     */
    public boolean disconnectClient(String clientId) {
        String marker = "Client " + clientId + " already connected, closing old connection.";
        int before = count(broker.log(), marker);
        try (MqttProbe probe = MqttProbe.connect(host(), port(), clientId)) {
            // connected: mosquitto has closed the old connection, if there was one
        } catch (IOException e) {
            throw new IllegalStateException("cannot connect as '" + clientId + "' to " + broker + ": " + e.getMessage(),
                    e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (count(broker.log(), marker) > before) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * The protocol a client connected with, from mosquitto's log ({@code New client connected ... as <id> (p5, ...)}).
     *
     * @param clientId the client id
     * @return the protocol number mosquitto logged for its latest connection (5 for MQTT 5, lower for 3.1.1 and 3.1);
     *         -1 if it never connected
     */
    public int protocolOf(String clientId) {
        String marker = " as " + clientId + " (p";
        String log = broker.log();
        int at = log.lastIndexOf(marker);
        if (at < 0) {
            return -1;
        }
        int start = at + marker.length();
        int end = start;
        while (end < log.length() && Character.isDigit(log.charAt(end))) {
            end++;
        }
        return end == start ? -1 : Integer.parseInt(log.substring(start, end));
    }

    /** Stops mosquitto for good and deletes its directory. */
    @Override
    public void close() {
        broker.close();
    }

    @Override
    public String toString() {
        return "MosquittoBridge[" + broker + " -> bridge " + bridgeClientId + "]";
    }

    private static int count(String text, String marker) {
        int n = 0;
        for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + marker.length())) {
            n++;
        }
        return n;
    }
}
