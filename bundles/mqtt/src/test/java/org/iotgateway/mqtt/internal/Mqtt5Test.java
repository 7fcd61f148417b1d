package org.iotgateway.mqtt.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.iotgateway.api.ConnectionEventType;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageExpiredException;
import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.PublishRejectedException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.SubscriptionRejectedException;
import org.iotgateway.api.UserProperty;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.mqtt.internal.spool.DiskSpool;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.mqtt.internal.spool.Spool;
import org.iotgateway.testsupport.ConnectProxy;
import org.iotgateway.testsupport.FreePort;
import org.iotgateway.testsupport.MoquetteBroker;
import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT 5 end to end against Debian's mosquitto 2 (started by the test): message properties,
 * reason codes from the broker's ACL, server DISCONNECT, session resumption, the broker's limits
 * (topic alias maximum, maximum packet size, receive maximum), shared subscriptions,
 * request/response, message expiry in the offline queue, the transports, and how MQTT 3.1.1
 * refuses what it cannot carry.
 */
class Mqtt5Test {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int MAX_PACKET = 4096;
    private static final int TOPIC_ALIASES = 2;
    private static final int RECEIVE_MAXIMUM = 5;
    private static final String DYNSEC_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static TestPki.Issued device;
    private static Mosquitto mosquitto;
    /** The listener with the MQTT 5 limits under test. */
    private static int port;
    private static int wssPort;
    private static TlsFront alpnFront;

    private final List<MqttConnection> connections = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        Mosquitto.require();
        if (!Files.exists(Path.of(DYNSEC_PLUGIN))) {
            throw new IllegalStateException("mosquitto's dynamic security plugin is missing (package mosquitto): " + DYNSEC_PLUGIN);
        }
        pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        device = pki.client("mqtt5-device", TestPki.KeyType.EC, TestPki.KeyFormat.PKCS8);
        TestPki.Issued server = pki.server();
        // mosquitto's dynamic security plugin: its ACLs refuse subscriptions in the SUBACK (an acl_file only filters
        // deliveries). Anonymous clients may publish and subscribe under t/ and share subscriptions, but not unsubscribe
        // from t/locked/...; nothing else.
        Path dynsec = dir.resolve("dynamic-security.json");
        Files.writeString(dynsec, "{\"defaultACLAccess\":{\"publishClientSend\":false,\"publishClientReceive\":true,"
                + "\"subscribe\":false,\"unsubscribe\":true},\"clients\":[],"
                + "\"groups\":[{\"groupname\":\"anonymous\",\"roles\":[{\"rolename\":\"device\"}],\"clients\":[]}],"
                + "\"roles\":[{\"rolename\":\"device\",\"acls\":["
                + "{\"acltype\":\"publishClientSend\",\"topic\":\"t/#\",\"allow\":true},"
                + "{\"acltype\":\"subscribePattern\",\"topic\":\"t/#\",\"allow\":true},"
                + "{\"acltype\":\"subscribePattern\",\"topic\":\"$share/#\",\"allow\":true},"
                + "{\"acltype\":\"unsubscribePattern\",\"topic\":\"t/locked/#\",\"allow\":false}]}],"
                + "\"anonymousGroup\":\"anonymous\"}");
        port = FreePort.find();
        wssPort = FreePort.find();
        mosquitto = Mosquitto.builder().tls(server).requireCertificate(true)
                .config("plugin " + DYNSEC_PLUGIN).config("plugin_opt_config_file " + dynsec)
                .config("log_type subscribe").config("log_type debug")
                .config("max_inflight_messages " + RECEIVE_MAXIMUM)
                .config("max_packet_size " + MAX_PACKET)
                .config("listener " + port + " 127.0.0.1")
                .config("max_topic_alias " + TOPIC_ALIASES)
                .config("listener " + wssPort + " 127.0.0.1").config("protocol websockets")
                .config("cafile " + pki.caCert()).config("certfile " + server.cert()).config("keyfile " + server.key())
                .config("require_certificate false")
                .start();
        alpnFront = new TlsFront(server, pki.caCertificate(), port, "x-amzn-mqtt-ca");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (alpnFront != null) {
            alpnFront.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @AfterEach
    void close() {
        connections.forEach(MqttConnection::close);
        connections.clear();
    }

    private static Map<String, Object> config(String name) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", name);
        m.put("transport", "tcp");
        m.put("endpoint", "127.0.0.1");
        m.put("port", port);
        m.put("client.id", name + "-" + System.nanoTime());
        m.put("mqtt.version", "5");
        m.put("reconnect.backoff.base.ms", 100L);
        m.put("reconnect.backoff.max.ms", 500L);
        m.put("reconnect.stable.ms", 0L);
        m.put("connect.timeout", 5);
        m.put("operation.timeout", 10);
        // no user name: the broker's dynamic security treats the clients as anonymous
        m.put("metrics.enabled", false);
        return m;
    }

    private MqttConnection open(Map<String, Object> config) {
        return open(config, new MemorySpool());
    }

    private MqttConnection open(Map<String, Object> config, Spool spool) {
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(config));
        MqttConnection c = new MqttConnection(s, TlsSetup.socketFactory(s), spool, "test");
        connections.add(c);
        c.start();
        return c;
    }

    private MqttConnection connected(Map<String, Object> config) {
        MqttConnection c = open(config);
        awaitConnected(c);
        return c;
    }

    private static void awaitConnected(MqttConnection c) {
        Conditions.await("connected (" + c + ")", WAIT, () -> c.state() == ConnectionState.CONNECTED,
                () -> "mosquitto log:\n" + tail(mosquitto.log()));
    }

    private static String tail(String log) {
        return log.length() < 4000 ? log : log.substring(log.length() - 4000);
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    // ------------------------------------------------------------------ connection and negotiated settings

    @Test
    void connectsWithMqtt5AndReportsWhatTheBrokerAnnounced() throws Exception {
        List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        Map<String, Object> config = config("negotiate");
        MqttConnection c = open(config);
        c.addStateListener(events::add);
        awaitConnected(c);
        assertEquals(MqttVersion.MQTT_5, c.mqttVersion());
        Conditions.await("success event", WAIT, () -> events.stream().anyMatch(e -> e.type() == ConnectionEventType.CONNECTION_SUCCESS));
        NegotiatedSettings n = events.stream().filter(e -> e.type() == ConnectionEventType.CONNECTION_SUCCESS)
                .findFirst().get().negotiated().orElseThrow();
        assertEquals(MqttVersion.MQTT_5, n.protocol());
        assertEquals(TOPIC_ALIASES, n.topicAliasMaximum());
        assertEquals(MAX_PACKET, n.maximumPacketSize());
        assertEquals(RECEIVE_MAXIMUM, n.receiveMaximum());
        assertFalse(n.sessionPresent());
        assertEquals(config.get("client.id"), n.clientId());
        assertTrue(mosquitto.log().contains("(p5, c1, k30, u''") || mosquitto.log().contains("p5"),
                "mosquitto saw no MQTT 5 client: " + tail(mosquitto.log()));
    }

    @Test
    void anInvalidMqttVersionIsAConfigurationErrorNamingTheProperty() {
        Map<String, Object> config = config("bad-version");
        for (String bad : new String[] { "3", "6", "v5", "mqtt5", "5.1", "\u0000" }) {
            config.put("mqtt.version", bad);
            InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                    () -> ConnectionSettings.from(ConfigProxy.connection(config)));
            assertEquals("mqtt.version", e.property());
            assertTrue(e.getMessage().contains("use 3.1.1 or 5"), e.getMessage());
        }
        config.put("mqtt.version", "5");
        config.put("session.expiry", -1L);
        assertEquals("session.expiry", assertThrows(InvalidConfigurationException.class,
                () -> ConnectionSettings.from(ConfigProxy.connection(config))).property());
        config.put("session.expiry", 0x1_0000_0000L);
        assertEquals("session.expiry", assertThrows(InvalidConfigurationException.class,
                () -> ConnectionSettings.from(ConfigProxy.connection(config))).property());
    }

    // ------------------------------------------------------------------ message properties

    @Test
    void messagePropertiesTravelEndToEndWithUserPropertiesInOrderAndDuplicatesKept() throws Exception {
        MqttConnection c = connected(config("props"));
        Collector collector = new Collector();
        c.subscribeAndWait("t/props/#", QoS.AT_LEAST_ONCE, collector);
        byte[] correlation = { 0, 1, 2, (byte) 0xFF };
        IoTMessage sent = IoTMessage.builder("t/props/a", "{\"v\":1}").qos(QoS.AT_LEAST_ONCE)
                .userProperty("b", "2").userProperty("a", "1").userProperty("b", "3").userProperty("ü-名前", "välue ✓")
                .contentType("application/json").payloadFormatUtf8(true).responseTopic("t/props/reply")
                .correlationData(correlation).messageExpiry(Duration.ofSeconds(120)).build();
        c.publishAndWait(sent);
        IoTMessage got = collector.next(WAIT);
        assertEquals("{\"v\":1}", got.payloadAsString());
        assertEquals(List.of(UserProperty.of("b", "2"), UserProperty.of("a", "1"), UserProperty.of("b", "3"),
                UserProperty.of("ü-名前", "välue ✓")), got.userProperties());
        assertEquals(Optional.of("application/json"), got.contentType());
        assertTrue(got.payloadFormatUtf8());
        assertEquals(Optional.of("t/props/reply"), got.responseTopic());
        assertArrayEquals(correlation, got.correlationData().orElseThrow());
        long expiry = got.messageExpirySeconds().orElseThrow();
        assertTrue(expiry > 100 && expiry <= 120, "expiry on arrival " + expiry);

        IoTMessage plain = IoTMessage.of("t/props/plain", "x", QoS.AT_LEAST_ONCE);
        c.publishAndWait(plain);
        IoTMessage gotPlain = collector.next(WAIT);
        assertEquals(Optional.empty(), gotPlain.mqtt5Property());
    }

    @Test
    void onMqtt311EveryMqtt5PropertyIsRefusedNamingThePropertyAndTheConnection() throws Exception {
        Map<String, Object> config = config("v311");
        config.put("mqtt.version", "3.1.1");
        MqttConnection c = connected(config);
        assertEquals(MqttVersion.MQTT_3_1_1, c.mqttVersion());
        Map<String, IoTMessage> cases = new HashMap<>();
        cases.put("message expiry interval", IoTMessage.builder("t/x", "p").messageExpirySeconds(5).build());
        cases.put("user properties", IoTMessage.builder("t/x", "p").userProperty("k", "v").build());
        cases.put("content type", IoTMessage.builder("t/x", "p").contentType("text/plain").build());
        cases.put("payload format indicator", IoTMessage.builder("t/x", "p").payloadFormatUtf8(true).build());
        cases.put("response topic", IoTMessage.builder("t/x", "p").responseTopic("t/r").build());
        cases.put("correlation data", IoTMessage.builder("t/x", "p").correlationData(new byte[] { 1 }).build());
        for (Map.Entry<String, IoTMessage> e : cases.entrySet()) {
            InvalidRequestException refused = assertThrows(InvalidRequestException.class, () -> c.publish(e.getValue()));
            assertTrue(refused.getMessage().startsWith(e.getKey() + " need"), refused.getMessage());
            assertTrue(refused.getMessage().contains("connection 'v311' uses MQTT 3.1.1"), refused.getMessage());
            assertThrows(InvalidRequestException.class, () -> c.publishAndWait(e.getValue()));
        }
        assertEquals(0, c.queuedMessages(), "nothing was queued");
        InvalidRequestException request = assertThrows(InvalidRequestException.class,
                () -> c.request(IoTMessage.builder("t/req", "q").responseTopic("t/resp").build(), Duration.ofSeconds(1)));
        assertTrue(request.getMessage().contains("request/response needs MQTT 5; connection 'v311' uses MQTT 3.1.1"),
                request.getMessage());
        c.publishAndWait(IoTMessage.of("t/x", "plain messages still work", QoS.AT_LEAST_ONCE));
    }

    // ------------------------------------------------------------------ reason codes

    @Test
    void aSubscriptionTheAclDeniesFailsWithTheBrokersReasonCode() throws Exception {
        MqttConnection c = connected(config("suback"));
        CompletableFuture<?> refused = c.subscribe("secret/#", QoS.AT_LEAST_ONCE, m -> { }).toCompletableFuture();
        SubscriptionRejectedException e = assertInstanceOf(SubscriptionRejectedException.class, failure(refused));
        assertEquals(0x87, e.reason().orElseThrow().code(), e.toString());
        assertTrue(e.getMessage().contains("0x87 Not authorized"), e.getMessage());
        assertEquals("secret/#", e.filter());
        assertFalse(c.subscribedFilters().contains("secret/#"));
        // the connection stays usable
        c.subscribeAndWait("t/ok", QoS.AT_LEAST_ONCE, m -> { });
    }

    @Test
    void anUnsubscribeTheAclDeniesFailsWithTheBrokersReasonCode() throws Exception {
        MqttConnection c = connected(config("unsuback"));
        c.subscribeAndWait("t/locked/a", QoS.AT_LEAST_ONCE, m -> { });
        CompletableFuture<Void> refused = c.unsubscribe("t/locked/a").toCompletableFuture();
        IoTException e = assertInstanceOf(IoTException.class, failure(refused));
        assertEquals(0x87, e.reason().orElseThrow().code(), e.toString());
        assertTrue(e.getMessage().contains("t/locked/a") && e.getMessage().contains("0x87 Not authorized"), e.getMessage());
        IoTException waited = assertThrows(IoTException.class, () -> {
            c.subscribeAndWait("t/locked/b", QoS.AT_LEAST_ONCE, m -> { });
            c.unsubscribeAndWait("t/locked/b");
        });
        assertEquals(0x87, waited.reason().orElseThrow().code(), waited.toString());
        // other filters unsubscribe normally and the connection stays up
        c.subscribeAndWait("t/free", QoS.AT_LEAST_ONCE, m -> { });
        c.unsubscribeAndWait("t/free");
        assertEquals(ConnectionState.CONNECTED, c.state());
    }

    @Test
    void aBrokerLimitingQosAndRetainRefusesSuchPublishesAtOnceInsteadOfBeingDisconnected() throws Exception {
        int limitedPort = FreePort.find();
        try (Mosquitto limited = Mosquitto.builder().config("listener " + limitedPort + " 127.0.0.1")
                .config("max_qos 0").config("retain_available false").start()) {
            Map<String, Object> config = config("limited");
            config.put("port", limitedPort);
            MqttConnection c = connected(config);
            Conditions.await("negotiated", WAIT, () -> c.negotiated() != null);
            assertEquals(QoS.AT_MOST_ONCE, c.negotiated().maximumQos());
            assertFalse(c.negotiated().retainAvailable());
            InvalidRequestException qos = assertThrows(InvalidRequestException.class,
                    () -> c.publish(IoTMessage.of("t/q", "one", QoS.AT_LEAST_ONCE)));
            assertTrue(qos.getMessage().contains("at most QoS 0") && qos.getMessage().contains("limited"), qos.getMessage());
            InvalidRequestException retain = assertThrows(InvalidRequestException.class,
                    () -> c.publish(IoTMessage.of("t/r", "kept".getBytes(UTF_8), QoS.AT_MOST_ONCE, true)));
            assertTrue(retain.getMessage().contains("retained"), retain.getMessage());
            assertEquals(0, c.queuedMessages(), "nothing refused was queued");
            // what the broker allows still goes through, on the same connection (mosquitto would have disconnected
            // a client that sent QoS 1 or retain here)
            c.publishAndWait(IoTMessage.of("t/q", "zero", QoS.AT_MOST_ONCE));
            assertEquals(ConnectionState.CONNECTED, c.state());
        }
    }

    @Test
    void aPublishTheAclDeniesFailsWithPublishRejectedAndLeavesTheQueue() throws Exception {
        MqttConnection c = connected(config("puback"));
        CompletableFuture<Void> denied = c.publish(IoTMessage.of("secret/x", "no", QoS.AT_LEAST_ONCE)).toCompletableFuture();
        PublishRejectedException e = assertInstanceOf(PublishRejectedException.class, failure(denied));
        assertEquals(0x87, e.reason().orElseThrow().code(), e.toString());
        assertEquals("secret/x", e.topic());
        assertEquals(0, c.queuedMessages(), "a refused publish is not retried");
        IoTException waited = assertThrows(PublishRejectedException.class,
                () -> c.publishAndWait(IoTMessage.of("secret/y", "no", QoS.AT_LEAST_ONCE)));
        assertEquals(0x87, waited.reason().orElseThrow().code());
        c.publishAndWait(IoTMessage.of("t/allowed", "yes", QoS.AT_LEAST_ONCE));
        assertEquals(ConnectionState.CONNECTED, c.state());
    }

    /**
     * mosquitto 2.0.11 closes the network connection on a session take-over or shutdown without sending
     * a DISCONNECT packet, so a scripted MQTT 5 server sends them here: CONNACK, then DISCONNECT with
     * a reason code and reason string, on the real network path through Paho.
     */
    @Test
    void aDisconnectTheBrokerSendsIsReportedWithItsReasonAndTheConnectionComesBack() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker(new int[] { 0x8E, 0x8B },
                new String[] { "another client connected with this client id", "server shutting down" })) {
            List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
            Map<String, Object> config = config("server-disconnect");
            config.put("port", broker.port());
            MqttConnection c = open(config);
            c.addStateListener(events::add);
            Conditions.await("two DISCONNECTs and a third connection", WAIT, () -> broker.connections.get() >= 3
                    && c.state() == ConnectionState.CONNECTED, events::toString);
            List<ConnectionStateEvent> lost = new ArrayList<>();
            events.stream().filter(e -> e.type() == ConnectionEventType.DISCONNECTION).forEach(lost::add);
            assertEquals(2, lost.size(), events.toString());
            assertEquals(0x8E, lost.get(0).reason().orElseThrow().code(), lost.get(0).toString());
            assertEquals(Optional.of("another client connected with this client id"), lost.get(0).reason().get().reasonString());
            assertTrue(lost.get(0).cause().get().getMessage().contains("0x8E Session taken over"), lost.get(0).toString());
            assertEquals(0x8B, lost.get(1).reason().orElseThrow().code(), lost.get(1).toString());
            assertEquals("Server shutting down", lost.get(1).reason().get().name());
        }
    }

    @Test
    void aBrokerWithoutMqtt5IsReportedWithAHintToSwitchTheVersion() throws Exception {
        try (MoquetteBroker moquette = MoquetteBroker.launch()) {
            List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
            Map<String, Object> config = config("no-mqtt5");
            config.put("port", moquette.port());
            MqttConnection c = open(config);
            c.addStateListener(events::add);
            Conditions.await("a refused attempt", WAIT, () -> events.stream()
                    .anyMatch(e -> e.type() == ConnectionEventType.CONNECTION_FAILURE), events::toString);
            ConnectionStateEvent failed = events.stream().filter(e -> e.type() == ConnectionEventType.CONNECTION_FAILURE)
                    .findFirst().get();
            assertEquals(0x84, failed.reason().orElseThrow().code(), failed.toString());
            assertTrue(failed.cause().get().getMessage().contains("set mqtt.version to 3.1.1"), failed.toString());
        }
    }

    // ------------------------------------------------------------------ session

    @Test
    void aResumedSessionKeepsItsSubscriptionsWithoutSubscribingAgainAndDeliversWhatArrivedMeanwhile() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy()) {
            Map<String, Object> config = config("session");
            config.put("clean.session", false);
            config.put("session.expiry", 300L);
            config.put("proxy.host", "127.0.0.1");
            config.put("proxy.port", proxy.port());
            String clientId = (String) config.get("client.id");
            List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
            MqttConnection c = open(config);
            c.addStateListener(events::add);
            awaitConnected(c);
            Collector collector = new Collector();
            c.subscribeAndWait("t/session/a", QoS.AT_LEAST_ONCE, collector);
            c.subscribeAndWait("t/session/b/+", QoS.AT_LEAST_ONCE, collector);
            assertEquals(2, subscribes(clientId), tail(mosquitto.log()));

            proxy.dropTunnels(); // the network path breaks; the broker keeps the session
            Conditions.await("disconnected", WAIT, () -> c.state() != ConnectionState.CONNECTED);
            MqttConnection publisher = connected(config("session-publisher"));
            publisher.publishAndWait(IoTMessage.of("t/session/a", "while away 1", QoS.AT_LEAST_ONCE));
            publisher.publishAndWait(IoTMessage.of("t/session/b/x", "while away 2", QoS.AT_LEAST_ONCE));

            awaitConnected(c);
            assertEquals(List.of("while away 1", "while away 2"), collector.texts(2, WAIT));
            NegotiatedSettings n = events.stream().filter(e -> e.type() == ConnectionEventType.CONNECTION_SUCCESS)
                    .reduce((a, b) -> b).get().negotiated().get();
            assertTrue(n.sessionPresent(), n.toString());
            assertEquals(300, n.sessionExpirySeconds());
            // still subscribed, and no SUBSCRIBE was sent again
            publisher.publishAndWait(IoTMessage.of("t/session/a", "after", QoS.AT_LEAST_ONCE));
            assertEquals("after", collector.next(WAIT).payloadAsString());
            assertEquals(2, subscribes(clientId), tail(mosquitto.log()));
            // a new filter after the resumption is sent as usual
            c.subscribeAndWait("t/session/c", QoS.AT_LEAST_ONCE, collector);
            assertEquals(3, subscribes(clientId));
        }
    }

    @Test
    void withoutASessionEverythingIsSubscribedAgain() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy()) {
            Map<String, Object> config = config("nosession");
            config.put("proxy.host", "127.0.0.1");
            config.put("proxy.port", proxy.port());
            String clientId = (String) config.get("client.id");
            MqttConnection c = connected(config);
            Collector collector = new Collector();
            c.subscribeAndWait("t/nosession/a", QoS.AT_LEAST_ONCE, collector);
            proxy.dropTunnels();
            Conditions.await("disconnected", WAIT, () -> c.state() != ConnectionState.CONNECTED);
            awaitConnected(c);
            Conditions.await("subscribed again", WAIT, () -> subscribes(clientId) == 2, () -> tail(mosquitto.log()));
            MqttConnection publisher = connected(config("nosession-publisher"));
            publisher.publishAndWait(IoTMessage.of("t/nosession/a", "x", QoS.AT_LEAST_ONCE));
            assertEquals("x", collector.next(WAIT).payloadAsString());
        }
    }

    /** @return how many SUBSCRIBE packets mosquitto received from a client */
    private static int subscribes(String clientId) {
        Matcher m = Pattern.compile("Received SUBSCRIBE from " + Pattern.quote(clientId) + "\\b").matcher(mosquitto.log());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ broker limits

    @Test
    void topicAliasesStayWithinTheBrokersMaximumAndSaveBytes() throws Exception {
        try (ByteCountingRelay relay = new ByteCountingRelay(port)) {
            Map<String, Object> config = config("alias");
            config.put("port", relay.port());
            MqttConnection c = connected(config);
            MqttConnection subscriber = connected(config("alias-subscriber"));
            Collector collector = new Collector();
            subscriber.subscribeAndWait("t/alias/#", QoS.AT_LEAST_ONCE, collector);
            String prefix = "t/alias/" + "x".repeat(180) + "/";
            long before = relay.upstream.get();
            int rounds = 10;
            for (int i = 0; i < rounds; i++) {
                for (int t = 0; t < 4; t++) { // twice as many topics as aliases
                    c.publishAndWait(IoTMessage.of(prefix + t, "m" + i + "-" + t, QoS.AT_LEAST_ONCE));
                }
            }
            long sent = relay.upstream.get() - before;
            for (int i = 0; i < rounds * 4; i++) {
                IoTMessage m = collector.next(WAIT);
                String[] parts = m.payloadAsString().substring(1).split("-");
                assertEquals(prefix + parts[1], m.topic(), "a message arrived on the wrong topic: " + m);
            }
            assertEquals(ConnectionState.CONNECTED, c.state(), "the broker closes a client that exceeds its alias maximum");
            // without aliases each publish carries its ~190-byte topic: 40 publishes, 7,600 bytes of topics; with two
            // aliases, two of the four topics are sent once only
            long withoutAliases = rounds * 4L * (prefix.length() + 1);
            assertTrue(sent < withoutAliases * 3 / 4, "bytes sent " + sent + ", topic bytes without aliases " + withoutAliases);
        }
    }

    @Test
    void aPublishOverTheBrokersMaximumPacketSizeIsRefusedAtOnceNamingTheLimit() throws Exception {
        MqttConnection c = connected(config("packet"));
        Conditions.await("negotiated", WAIT, () -> c.negotiated() != null);
        PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class,
                () -> c.publish(IoTMessage.of("t/big", new byte[MAX_PACKET], QoS.AT_LEAST_ONCE)));
        assertEquals(MAX_PACKET, e.limit());
        assertTrue(e.getMessage().contains("maximum packet size"), e.getMessage());
        assertTrue(e.getMessage().contains("" + MAX_PACKET), e.getMessage());
        // user properties count too
        IoTMessage heavy = IoTMessage.builder("t/big", new byte[100]).userProperty("k", "v".repeat(MAX_PACKET)).build();
        assertThrows(PayloadTooLargeException.class, () -> c.publish(heavy));
        assertEquals(0, c.queuedMessages());
        c.publishAndWait(IoTMessage.of("t/big", new byte[MAX_PACKET - 100], QoS.AT_LEAST_ONCE));
        assertEquals(ConnectionState.CONNECTED, c.state());
    }

    @Test
    void theInFlightWindowStaysWithinTheBrokersReceiveMaximum() throws Exception {
        Map<String, Object> config = config("window");
        config.put("max.inflight", 100);
        MqttConnection c = connected(config);
        Collector collector = new Collector();
        c.subscribeAndWait("t/window", QoS.AT_LEAST_ONCE, collector);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            all.add(c.publish(IoTMessage.of("t/window", "m" + i, QoS.AT_LEAST_ONCE)).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        assertEquals(300, collector.texts(300, WAIT).size());
        assertEquals(0, c.queuedMessages());
        assertFalse(mosquitto.log().contains("Receive Maximum exceeded") || mosquitto.log().contains("receive maximum"),
                tail(mosquitto.log()));
    }

    // ------------------------------------------------------------------ shared subscriptions

    @Test
    void aSharedSubscriptionSplitsMessagesBetweenItsSubscribers() throws Exception {
        MqttConnection a = connected(config("share-a"));
        MqttConnection b = connected(config("share-b"));
        Collector ca = new Collector();
        Collector cb = new Collector();
        a.subscribeAndWait("$share/group/t/shared/#", QoS.AT_LEAST_ONCE, ca);
        b.subscribeAndWait("$share/group/t/shared/#", QoS.AT_LEAST_ONCE, cb);
        MqttConnection publisher = connected(config("share-publisher"));
        int n = 20;
        for (int i = 0; i < n; i++) {
            publisher.publishAndWait(IoTMessage.of("t/shared/" + i, "s" + i, QoS.AT_LEAST_ONCE));
        }
        Conditions.await("all delivered once", WAIT, () -> ca.messages.size() + cb.messages.size() >= n);
        Thread.sleep(300);
        assertEquals(n, ca.messages.size() + cb.messages.size(), "each message goes to exactly one member");
        assertTrue(ca.messages.size() > 0 && cb.messages.size() > 0, ca.messages.size() + " / " + cb.messages.size());
    }

    // ------------------------------------------------------------------ request/response

    @Test
    void requestResponseCorrelatesRepliesIgnoresOthersAndTimesOut() throws Exception {
        MqttConnection responder = connected(config("responder"));
        responder.subscribeAndWait("t/rpc/request", QoS.AT_LEAST_ONCE, m -> {
            String topic = m.responseTopic().orElseThrow();
            // first an answer to somebody else, then the real one
            responder.publish(IoTMessage.builder(topic, "not yours").qos(QoS.AT_LEAST_ONCE)
                    .correlationData("someone-else".getBytes(UTF_8)).build());
            responder.publish(IoTMessage.builder(topic, "re: " + m.payloadAsString()).qos(QoS.AT_LEAST_ONCE)
                    .correlationData(m.correlationData().orElseThrow()).build());
        });
        MqttConnection requester = connected(config("requester"));
        IoTMessage request = IoTMessage.builder("t/rpc/request", "ping").qos(QoS.AT_LEAST_ONCE)
                .responseTopic("t/rpc/response/" + requester.clientId()).build();
        IoTMessage response = requester.request(request, WAIT).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("re: ping", response.payloadAsString());
        // several in parallel on the same response topic, each with its own correlation id
        List<CompletableFuture<IoTMessage>> many = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            many.add(requester.request(IoTMessage.builder("t/rpc/request", "n" + i).qos(QoS.AT_LEAST_ONCE)
                    .responseTopic("t/rpc/response/" + requester.clientId())
                    .correlationData(("id-" + i).getBytes(UTF_8)).build(), WAIT).toCompletableFuture());
        }
        for (int i = 0; i < 5; i++) {
            assertEquals("re: n" + i, many.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).payloadAsString());
        }
        // nobody answers here
        CompletableFuture<IoTMessage> unanswered = requester.request(IoTMessage.builder("t/rpc/nobody", "hello?")
                .responseTopic("t/rpc/response/" + requester.clientId()).build(), Duration.ofMillis(500)).toCompletableFuture();
        OperationTimeoutException timeout = assertInstanceOf(OperationTimeoutException.class, failure(unanswered));
        assertTrue(timeout.getMessage().contains("within 500 ms"), timeout.getMessage());
        assertThrows(InvalidRequestException.class, () -> requester.request(IoTMessage.of("t/rpc/request", "x", QoS.AT_MOST_ONCE), WAIT));
        assertThrows(InvalidRequestException.class, () -> requester.request(request, Duration.ZERO));
    }

    // ------------------------------------------------------------------ message expiry in the offline queue

    @Test
    void aMessageWhoseExpiryPassesInTheOfflineQueueIsDroppedAndTheRestSendsWhatIsLeft() throws Exception {
        try (Mosquitto own = Mosquitto.builder().start()) {
            Map<String, Object> config = config("expiry");
            config.put("port", own.port());
            MqttConnection c = connected(config);
            own.stop();
            Conditions.await("disconnected", WAIT, () -> c.state() != ConnectionState.CONNECTED);
            CompletableFuture<Void> shortLived = c.publish(IoTMessage.builder("t/exp/short", "gone").qos(QoS.AT_LEAST_ONCE)
                    .messageExpirySeconds(1).build()).toCompletableFuture();
            CompletableFuture<Void> longLived = c.publish(IoTMessage.builder("t/exp/long", "kept").qos(QoS.AT_LEAST_ONCE)
                    .messageExpirySeconds(3600).build()).toCompletableFuture();
            assertEquals(2, c.queuedMessages());
            Thread.sleep(2100);
            own.start();
            Map<String, Object> sub = config("expiry-sub");
            sub.put("port", own.port());
            MqttConnection subscriber = connected(sub);
            Collector collector = new Collector();
            subscriber.subscribeAndWait("t/exp/#", QoS.AT_LEAST_ONCE, collector);
            MessageExpiredException expired = assertInstanceOf(MessageExpiredException.class, failure(shortLived));
            assertTrue(expired.getMessage().contains("t/exp/short"), expired.getMessage());
            longLived.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(1, c.expiredMessages());
            assertEquals(0, c.queuedMessages());
            IoTMessage got = collector.next(WAIT);
            assertEquals("kept", got.payloadAsString());
            long left = got.messageExpirySeconds().orElseThrow();
            assertTrue(left <= 3598 && left > 3500, "the remaining interval goes on the wire: " + left);
            assertTrue(collector.quietFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void theDiskQueueKeepsMqtt5PropertiesAcrossARestart() throws Exception {
        Path queue = dir.resolve("disk-" + System.nanoTime());
        try (Mosquitto own = Mosquitto.builder().start()) {
            Map<String, Object> config = config("disk");
            config.put("port", own.port());
            own.stop();
            MqttConnection first = open(config, DiskSpool.open(queue, DiskSpool.Sync.WRITE, 1 << 20));
            first.publish(IoTMessage.builder("t/disk", "persisted").qos(QoS.AT_LEAST_ONCE).userProperty("k", "1")
                    .userProperty("k", "2").contentType("text/plain").correlationData(new byte[] { 9 })
                    .responseTopic("t/disk/reply").messageExpirySeconds(600).build());
            assertEquals(1, first.queuedMessages());
            first.close();
            connections.remove(first);

            own.start();
            Map<String, Object> sub = config("disk-sub");
            sub.put("port", own.port());
            MqttConnection subscriber = connected(sub);
            Collector collector = new Collector();
            subscriber.subscribeAndWait("t/disk", QoS.AT_LEAST_ONCE, collector);
            MqttConnection second = open(config, DiskSpool.open(queue, DiskSpool.Sync.WRITE, 1 << 20));
            IoTMessage got = collector.next(WAIT);
            assertEquals("persisted", got.payloadAsString());
            assertEquals(List.of(UserProperty.of("k", "1"), UserProperty.of("k", "2")), got.userProperties());
            assertEquals(Optional.of("text/plain"), got.contentType());
            assertEquals(Optional.of("t/disk/reply"), got.responseTopic());
            assertArrayEquals(new byte[] { 9 }, got.correlationData().orElseThrow());
            assertTrue(got.messageExpirySeconds().orElseThrow() <= 600);
            Conditions.await("queue empty", WAIT, () -> second.queuedMessages() == 0);
        }
    }

    // ------------------------------------------------------------------ transports

    @Test
    void mqttsWithAClientCertificateOverMqtt5() throws Exception {
        Map<String, Object> config = config("mqtts5");
        config.put("transport", "mqtts");
        config.put("endpoint", "localhost");
        config.put("port", mosquitto.tlsPort());
        config.put("ca.file", pki.caCert().toString());
        config.put("cert.file", device.cert().toString());
        config.put("key.file", device.key().toString());
        roundTrip(connected(config));
    }

    @Test
    void mqttsAlpn443OverMqtt5() throws Exception {
        Map<String, Object> config = config("alpn5");
        config.put("transport", "mqtts-alpn-443");
        config.put("endpoint", "localhost");
        config.put("port", alpnFront.port());
        config.put("ca.file", pki.caCert().toString());
        config.put("cert.file", device.cert().toString());
        config.put("key.file", device.key().toString());
        roundTrip(connected(config));
        TlsFront.Connection seen = alpnFront.connections.get(alpnFront.connections.size() - 1);
        assertEquals("x-amzn-mqtt-ca", seen.negotiated, seen.toString());
    }

    @Test
    void webSocketOverTlsThroughAnHttpProxyOverMqtt5() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy()) {
            Map<String, Object> config = config("wss5");
            config.put("transport", "wss-sigv4");
            config.put("endpoint", "localhost");
            config.put("port", wssPort);
            config.put("aws.region", "eu-west-1");
            config.put("aws.access.key.id", "AKIDEXAMPLE");
            config.put("aws.secret.access.key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
            config.put("ca.file", pki.caCert().toString());
            config.put("proxy.host", "127.0.0.1");
            config.put("proxy.port", proxy.port());
            roundTrip(connected(config));
            assertTrue(proxy.tunnels() >= 1, "went through the proxy");
        }
    }

    private static void roundTrip(MqttConnection c) throws Exception {
        String topic = "t/transport/" + c.clientId();
        Collector collector = new Collector();
        c.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, collector);
        c.publishAndWait(IoTMessage.builder(topic, "over " + c.settings().transport.id).qos(QoS.AT_LEAST_ONCE)
                .userProperty("via", c.settings().transport.id).build());
        IoTMessage got = collector.next(WAIT);
        assertEquals("over " + c.settings().transport.id, got.payloadAsString());
        assertEquals(List.of(UserProperty.of("via", c.settings().transport.id)), got.userProperties());
        assertEquals(MqttVersion.MQTT_5, c.negotiated().protocol());
    }

    /**
     * A minimal MQTT 5 server: answers every CONNECT with a successful CONNACK; on the first connections
     * then sends DISCONNECT with the scripted reason code and reason string and closes; later
     * connections stay open (answering PINGREQ).
     */
    private static final class ScriptedBroker implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        private final ServerSocket server;
        private final int[] codes;
        private final String[] reasons;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        ScriptedBroker(int[] codes, String[] reasons) throws IOException {
            this.codes = codes;
            this.reasons = reasons;
            this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "scripted-broker");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    int n = connections.getAndIncrement();
                    Thread t = new Thread(() -> serve(socket, n), "scripted-broker-" + n);
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void serve(Socket socket, int n) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                readPacket(in); // CONNECT
                out.write(new byte[] { 0x20, 3, 0, 0, 0 }); // CONNACK: no session, success, no properties
                out.flush();
                if (n < codes.length) {
                    Thread.sleep(200);
                    byte[] reason = reasons[n].getBytes(UTF_8);
                    int properties = 3 + reason.length;
                    java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
                    packet.write(0xE0);
                    packet.write(2 + properties); // reason code, property length, properties (< 128 bytes)
                    packet.write(codes[n]);
                    packet.write(properties);
                    packet.write(0x1F); // reason string
                    packet.write(reason.length >> 8);
                    packet.write(reason.length);
                    packet.write(reason);
                    out.write(packet.toByteArray());
                    out.flush();
                    Thread.sleep(100);
                    return;
                }
                while (true) {
                    int type = readPacket(in);
                    if (type == 0xC0) {
                        out.write(new byte[] { (byte) 0xD0, 0 }); // PINGRESP
                        out.flush();
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        /** @return the first byte of the packet read */
        private static int readPacket(InputStream in) throws IOException {
            int type = in.read();
            if (type < 0) {
                throw new IOException("closed");
            }
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.read();
                if (b < 0) {
                    throw new IOException("closed");
                }
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            in.readNBytes(length);
            return type;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** A TCP relay to a port that counts the bytes the client sends. */
    private static final class ByteCountingRelay implements AutoCloseable {
        final AtomicLong upstream = new AtomicLong();
        private final ServerSocket server;
        private final int target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        ByteCountingRelay(int target) throws IOException {
            this.target = target;
            this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Thread accept = new Thread(this::accept, "relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    Socket client = server.accept();
                    Socket broker = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.add(client);
                    sockets.add(broker);
                    pipe(client.getInputStream(), broker.getOutputStream(), upstream);
                    pipe(broker.getInputStream(), client.getOutputStream(), new AtomicLong());
                }
            } catch (IOException e) {
                // closed
            }
        }

        private static void pipe(InputStream in, OutputStream out, AtomicLong count) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        count.addAndGet(n);
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // closed
                } finally {
                    try {
                        out.close();
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "relay-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
