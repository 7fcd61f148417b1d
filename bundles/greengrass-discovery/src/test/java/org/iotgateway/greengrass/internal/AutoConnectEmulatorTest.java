package org.iotgateway.greengrass.internal;

import static org.iotgateway.greengrass.internal.Support.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;
import org.iotgateway.emulator.Connectivity;
import org.iotgateway.emulator.DiscoveryCore;
import org.iotgateway.emulator.DiscoveryGroup;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.testsupport.FreePort;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auto-connect engine end to end: discovery at the emulator, cores played by the emulator's MQTT TLS listener
 * (its server certificate for 127.0.0.1 is signed by its CA, the "group CA"), real connections opened from the
 * written configuration, an app publishing through them.
 */
class AutoConnectEmulatorTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String CORE_ARN = "arn:aws:iot:eu-west-1:123456789012:thing/core-1";

    @TempDir
    static Path pkiDir;
    private static Emulator emulator;
    private static TestPki otherCa;

    @TempDir
    Path dataArea;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private DiscoveryClient discovery;
    private ConnectionFollower connection;
    private String thing;

    @BeforeAll
    static void start() {
        emulator = Emulator.builder().certificateDirectory(Support.certificateDirectory("autoconnect"))
                .websocketPort(-1).build().start();
        otherCa = TestPki.create(pkiDir, "Other CA");
    }

    @AfterAll
    static void stop() {
        emulator.stop();
    }

    @BeforeEach
    void setUp() {
        thing = "gateway-" + COUNTER.incrementAndGet();
        discovery = Support.client(Support.discoveryProperties(emulator));
        connection = new ConnectionFollower();
        closeables.add(discovery);
        closeables.add(connection);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        emulator.failDiscovery(0, 0);
    }

    private AutoConnectEngine engine(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put("thing.name", thing);
        p.put("connect.timeout", 2);
        p.put("rediscovery.after.ms", 500L);
        p.put("retry.backoff.base.ms", 100L);
        p.put("retry.backoff.max.ms", 400L);
        p.putAll(extra);
        AutoConnectEngine engine = new AutoConnectEngine(Support.autoConnectSettings(p), "pid-" + thing, discovery,
                discovery::deviceKey, new CaStore(dataArea.resolve("ca")), connection, connection::state,
                CoreProbe.TLS);
        closeables.add(0, engine);
        engine.start();
        return engine;
    }

    private static String ca() {
        return emulator.certificates().caCertificatePem();
    }

    private static DiscoveryGroup group(String id, String caPem, Connectivity... entries) {
        return new DiscoveryGroup(id, List.of(new DiscoveryCore(CORE_ARN, List.of(entries))), List.of(caPem));
    }

    private void awaitConnected() {
        await("the connection is connected", () -> connection.state().orElse(null) == ConnectionState.CONNECTED);
    }

    /** Publishes through the app's connection and checks that the broker at {@code broker} delivered it. */
    private void assertAppPublishesTo(Emulator broker) throws Exception {
        assertAppPublishesTo(connection.app(), broker);
    }

    /**
     * The app's connection is connected to {@code broker} (the broker lists its client id) and a message the app
     * publishes comes back from that broker to the app's own subscription.
     */
    private void assertAppPublishesTo(IoTConnection app, Emulator broker) throws Exception {
        await("the app's connection is at the expected broker", () -> broker.connectedClients().stream()
                .anyMatch(c -> c.clientId().equals(thing)));
        String topic = "plant/" + thing + "/temperature/" + COUNTER.incrementAndGet();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        app.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, m -> received.add(m.payloadAsString()));
        app.publishAndWait(topic, "{\"c\":21.5}".getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE);
        assertEquals("{\"c\":21.5}", received.poll(10, TimeUnit.SECONDS), "the broker did not deliver the app's message");
        app.unsubscribeAndWait(topic);
    }

    @Test
    void firstEntryUnreachableSecondUsedAndAnAppPublishesThroughIt() throws Exception {
        int nothingThere = FreePort.find();
        emulator.setDiscoveryGroups(thing, List.of(group("group-1", ca(),
                new Connectivity("dead", "127.0.0.1", nothingThere, ""),
                new Connectivity("live", "127.0.0.1", emulator.tlsPort(), "lan"))));
        engine(Map.of());
        await("the connection configuration is written", () -> !connection.writes.isEmpty());
        Map<String, Object> p = connection.last();
        assertEquals("greengrass", p.get("connection.id"));
        assertEquals("127.0.0.1", p.get("endpoint"));
        assertEquals(emulator.tlsPort(), p.get("port"));
        assertEquals("mqtts", p.get("transport"));
        assertEquals(thing, p.get("client.id"));
        assertEquals(thing, p.get("thing.name"));
        assertEquals(emulator.device("device").certificateFile().toString(), p.get("cert.file"));
        assertEquals(emulator.device("device").privateKeyFile().toString(), p.get("key.file"));
        assertEquals("pid-" + thing, p.get("greengrass.discovery"));
        assertEquals("group-1", p.get("greengrass.group.id"));
        assertEquals(CORE_ARN, p.get("greengrass.core.arn"));
        assertEquals("live", p.get("greengrass.connectivity.id"));
        Path caFile = Path.of((String) p.get("ca.file"));
        assertTrue(caFile.startsWith(dataArea.toAbsolutePath()), caFile.toString());
        assertEquals(ca().trim(), Files.readString(caFile).trim());

        awaitConnected();
        assertAppPublishesTo(emulator);
        assertEquals(1, connection.writes.size());
    }

    @Test
    void aCoreWhoseCertificateDoesNotMatchTheGroupCaIsSkipped() throws Exception {
        try (FakeHttpsServer impostor = new FakeHttpsServer(otherCa.server(), null).handshakeOnly()) {
            emulator.setDiscoveryGroups(thing, List.of(
                    // the entry presents a certificate of another CA than its group's
                    group("group-impostor", ca(), Connectivity.of("127.0.0.1", impostor.port())),
                    // the group's CA is not the one that signed its core's certificate
                    group("group-wrong-ca", Files.readString(otherCa.caCert()), Connectivity.of("127.0.0.1",
                            emulator.tlsPort())),
                    group("group-right", ca(), Connectivity.of("127.0.0.1", emulator.tlsPort()))));
            engine(Map.of());
            await("the connection configuration is written", () -> !connection.writes.isEmpty());
        }
        assertEquals("group-right", connection.last().get("greengrass.group.id"));
        awaitConnected();
        assertEquals(1, connection.writes.size());
    }

    @Test
    void filtersChooseTheGroupAndEntry() {
        emulator.setDiscoveryGroups(thing, List.of(
                group("group-a", ca(), new Connectivity("a", "127.0.0.1", emulator.tlsPort(), "plant-a")),
                group("group-b", ca(), new Connectivity("b1", "127.0.0.1", emulator.tlsPort(), "plant-b office"),
                        new Connectivity("b2", "127.0.0.1", emulator.tlsPort(), "plant-b line"))));
        engine(Map.of("group.id", "group-b", "core.arn", "core-1", "connectivity.metadata", "line"));
        await("the connection configuration is written", () -> !connection.writes.isEmpty());
        assertEquals("b2", connection.last().get("greengrass.connectivity.id"));
    }

    @Test
    void rediscoveryAfterTheCoreMoves(@TempDir Path certsB) throws Exception {
        // first place of the core: the emulator's TLS listener behind a relay that can be cut
        TcpRelay firstPlace = new TcpRelay("127.0.0.1", emulator.tlsPort());
        closeables.add(firstPlace);
        // where it moves to: another broker with another CA (it accepts the device certificates of the first)
        Emulator moved = Emulator.builder().certificateDirectory(certsB).websocketPort(-1).discoveryPort(-1)
                .trustClientCa(emulator.certificates().caCertificateFile()).build().start();
        closeables.add(moved);
        emulator.setDiscoveryGroups(thing, List.of(group("group-1", ca(),
                new Connectivity("first", "127.0.0.1", firstPlace.port(), ""))));
        AutoConnectEngine engine = engine(Map.of());
        await("the connection configuration is written", () -> !connection.writes.isEmpty());
        awaitConnected();
        IoTConnection app = connection.app(); // what an app bound with (connection.id=greengrass) holds
        assertAppPublishesTo(app, emulator);
        Path firstCa = Path.of((String) connection.last().get("ca.file"));

        emulator.setDiscoveryGroups(thing, List.of(group("group-1", moved.certificates().caCertificatePem(),
                new Connectivity("second", "127.0.0.1", moved.tlsPort(), ""))));
        int discoveriesBefore = engine.discoveries();
        firstPlace.cut();
        await("the configuration moves to the new core", () -> connection.writes.size() == 2);
        assertTrue(engine.discoveries() > discoveriesBefore);
        Map<String, Object> p = connection.last();
        assertEquals(moved.tlsPort(), p.get("port"));
        assertEquals("second", p.get("greengrass.connectivity.id"));
        Path secondCa = Path.of((String) p.get("ca.file"));
        assertEquals(moved.certificates().caCertificatePem().trim(), Files.readString(secondCa).trim());
        await("the CA file of the old core is removed", () -> !Files.exists(firstCa));
        awaitConnected();
        assertAppPublishesTo(app, moved); // through the connection object the app held all along
    }

    @Test
    void failingDiscoveryIsRetriedAndWritesNothing() {
        AutoConnectEngine engine = engine(Map.of()); // the thing is in no group yet: 404
        await("discovery is retried", () -> engine.discoveries() >= 3);
        assertTrue(connection.writes.isEmpty());
        emulator.setDiscoveryGroups(thing, List.of(group("group-1", ca(), Connectivity.of("127.0.0.1",
                emulator.tlsPort()))));
        await("the connection configuration is written", () -> !connection.writes.isEmpty());
        awaitConnected();
    }

    @Test
    void noReachableCoreWritesNothingAndKeepsTrying() {
        emulator.setDiscoveryGroups(thing, List.of(group("group-1", ca(), Connectivity.of("127.0.0.1",
                FreePort.find()))));
        AutoConnectEngine engine = engine(Map.of());
        await("discovery is retried", () -> engine.discoveries() >= 2);
        assertTrue(connection.writes.isEmpty());
    }

    @Test
    void whileTheCloudIsOutOfReachTheConnectionKeepsItsCore() throws Exception {
        TcpRelay core = new TcpRelay("127.0.0.1", emulator.tlsPort());
        closeables.add(core);
        emulator.setDiscoveryGroups(thing, List.of(group("group-1", ca(), Connectivity.of("127.0.0.1",
                core.port()))));
        AutoConnectEngine engine = engine(Map.of());
        await("the connection configuration is written", () -> !connection.writes.isEmpty());
        awaitConnected();
        emulator.failDiscovery(500, 1000);
        core.cut();
        int before = engine.discoveries();
        await("discovery runs again and fails", () -> engine.discoveries() >= before + 2);
        assertEquals(1, connection.writes.size());
        core.restore();
        awaitConnected();
        assertAppPublishesTo(emulator);
        assertEquals(1, connection.writes.size());
    }
}
