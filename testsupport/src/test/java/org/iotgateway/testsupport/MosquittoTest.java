package org.iotgateway.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MosquittoTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void mosquittoInstalled() {
        Mosquitto.require(); // fails, never skips, when missing
    }

    @Test
    void plainListenerLargePayloadsAndRestartOnTheSamePort() throws Exception {
        byte[] payload = new byte[128 * 1024];
        new Random(2).nextBytes(payload);
        Path dirOfBroker;
        try (Mosquitto broker = Mosquitto.launch()) {
            int port = broker.port();
            dirOfBroker = broker.configFile().getParent();
            roundTrip(port, payload);
            assertTrue(broker.log().contains("mosquitto version"), broker.log());

            try (MqttProbe connected = MqttProbe.connect("127.0.0.1", port, "connected")) {
                broker.stop();
                assertFalse(broker.isRunning());
                // clients notice the outage: the broker closed their connections
                IOException closed = assertThrows(IOException.class, () -> connected.receive(Duration.ofSeconds(5)));
                assertFalse(closed instanceof SocketTimeoutException, "connection still open after stop()");
            }
            assertThrows(IOException.class, () -> MqttProbe.connect("127.0.0.1", port, "refused").close());

            broker.start();
            assertTrue(broker.isRunning());
            assertEquals(port, broker.port());
            roundTrip(port, payload);
        }
        assertFalse(Files.exists(dirOfBroker), "temporary directory removed by close()");
    }

    @Test
    void tlsListenerAcceptsOnlyClientsWithCertificates() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued device = pki.client("device1", TestPki.KeyType.EC, TestPki.KeyFormat.SEC1_WITH_PARAMETERS);
        try (Mosquitto broker = Mosquitto.builder().tls(pki.server()).start()) {
            try (MqttProbe probe = MqttProbe.connect(
                    MoquetteBrokerTest.tls(MoquetteBrokerTest.context(pki.caCertificate(), device), broker.tlsPort()),
                    "tls-client")) {
                probe.subscribe("t", 1);
                probe.publish("t", "hello".getBytes(), 1);
                assertEquals("hello", probe.receive(Duration.ofSeconds(5)).text());
            }
            assertThrows(IOException.class, () -> MqttProbe.connect(
                    MoquetteBrokerTest.tls(MoquetteBrokerTest.context(pki.caCertificate(), null), broker.tlsPort()),
                    "anonymous"));
        }
    }

    @Test
    void brokenConfigurationFailsWithTheLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Mosquitto.builder().config("no_such_option true").start());
        assertTrue(e.getMessage().contains("no_such_option"), e.getMessage());
    }

    private static void roundTrip(int port, byte[] payload) throws IOException {
        try (MqttProbe subscriber = MqttProbe.connect("127.0.0.1", port, "sub");
                MqttProbe publisher = MqttProbe.connect("127.0.0.1", port, "pub")) {
            subscriber.subscribe("big/#", 1);
            publisher.publish("big/1", payload, 1);
            MqttProbe.Message message = subscriber.receive(Duration.ofSeconds(10));
            assertEquals("big/1", message.topic());
            assertArrayEquals(payload, message.payload());
        }
    }
}
