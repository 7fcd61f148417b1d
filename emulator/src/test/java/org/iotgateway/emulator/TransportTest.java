package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/** The broker's listeners: TLS with client certificates, WebSocket, and an outage on the same ports. */
class TransportTest extends EmulatorTestBase {

    private static void roundTrip(TestClient c, String thing) {
        String prefix = "$aws/things/" + thing + "/shadow";
        c.subscribe(prefix + "/update/accepted");
        c.publish(prefix + "/update", "{\"state\":{\"reported\":{\"via\":\"x\"}},\"clientToken\":\"rt\"}");
        c.awaitToken(prefix + "/update/accepted", "rt");
    }

    @Test
    void tlsWithADeviceCertificateWorks() throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(emulator.device("device").socketFactory());
        try (TestClient c = new TestClient(emulator.tlsUrl(), unique("tls"), o)) {
            roundTrip(c, unique("tlsthing"));
        }
        // a second device issued by the emulator works as well
        MqttConnectOptions o2 = new MqttConnectOptions();
        o2.setSocketFactory(emulator.device("gateway").socketFactory());
        try (TestClient c = new TestClient("ssl://localhost:" + emulator.tlsPort(), unique("tls"), o2)) {
            assertTrue(c.client.isConnected());
        }
    }

    @Test
    void rsaCertificatesGeneratedInAFreshDirectoryWorkForTlsAndAreReadBackOnTheNextStart() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("emulator-rsa");
        try {
            java.security.cert.X509Certificate first;
            try (Emulator rsa = Emulator.builder().certificateDirectory(dir).keyAlgorithm(KeyAlgorithm.RSA_2048)
                    .discoveryPort(-1).websocketPort(-1).build().start()) {
                first = rsa.device("device").certificate();
                assertEquals("RSA", first.getPublicKey().getAlgorithm());
                first.verify(rsa.certificates().caCertificate().getPublicKey());
                assertTrue(rsa.certificates().serverCertificate().getSubjectAlternativeNames().stream()
                        .anyMatch(n -> "127.0.0.1".equals(n.get(1))));
                MqttConnectOptions o = new MqttConnectOptions();
                o.setSocketFactory(rsa.device("device").socketFactory());
                try (TestClient c = new TestClient("ssl://localhost:" + rsa.tlsPort(), unique("rsa"), o)) {
                    roundTrip(c, unique("rsathing"));
                }
            }
            try (Emulator again = Emulator.builder().certificateDirectory(dir).discoveryPort(-1).websocketPort(-1)
                    .build().start()) {
                assertEquals(first, again.device("device").certificate());
                MqttConnectOptions o = new MqttConnectOptions();
                o.setSocketFactory(again.device("device").socketFactory());
                try (TestClient c = new TestClient(again.tlsUrl(), unique("rsa"), o)) {
                    assertTrue(c.client.isConnected());
                }
            }
        } finally {
            try (var files = java.nio.file.Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void tlsWithoutAClientCertificateIsRefused() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(emulator.certificates().trustOnlySslContext().getSocketFactory());
        assertThrows(MqttException.class, () -> new TestClient(emulator.tlsUrl(), unique("nocert"), o).close());
    }

    @Test
    void webSocketListenerCarriesMqtt() throws Exception {
        try (TestClient c = new TestClient(emulator.websocketUrl(), unique("ws"))) {
            roundTrip(c, unique("wsthing"));
        }
    }

    @Test
    void webSocketAcceptsASigV4PresignedQuery() throws Exception {
        String presigned = emulator.websocketUrl() + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Feu-west-1%2Fiotdata%2Faws4_request"
                + "&X-Amz-Date=20240501T120000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=abc123&X-Amz-Security-Token=token%2Fwith%2Bchars";
        try (TestClient c = new TestClient(presigned, unique("wssig"))) {
            roundTrip(c, unique("wssigthing"));
        }
        // another path is not the MQTT endpoint
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + emulator.websocketPort()
                        + "/other")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
    }

    @Test
    void connectedClientsAreListedAndCanBeDisconnected() {
        String id = unique("listed");
        TestClient c = TestClient.connect(emulator, id);
        try {
            assertTrue(eventuallyListed(emulator, id));
            ConnectedClient cc = emulator.connectedClients().stream().filter(x -> x.clientId().equals(id))
                    .findFirst().orElseThrow();
            assertTrue(cc.port() > 0);
            assertTrue(emulator.disconnectClient(id));
            long deadline = System.currentTimeMillis() + 5000;
            while (c.client.isConnected() && System.currentTimeMillis() < deadline) {
                Thread.onSpinWait();
            }
            assertFalse(c.client.isConnected());
            assertFalse(emulator.disconnectClient("nobody-" + id));
        } finally {
            c.close();
        }
    }

    @Test
    void clientsThatDisconnectAbruptlyWithDeliveriesInFlightDoNotStallTheBroker() throws Exception {
        // Moquette 0.17 throws on these and, unguarded, loses one of its session threads for good
        for (int round = 0; round < 6; round++) {
            String thing = unique("abrupt");
            MqttClient c = new MqttClient(emulator.mqttUrl(), unique("abrupt"), new MemoryPersistence());
            c.setTimeToWait(5000);
            c.connect();
            c.subscribe("$aws/things/" + thing + "/shadow/#", 1);
            for (int i = 0; i < 5; i++) {
                c.publish("$aws/things/" + thing + "/shadow/update",
                        ("{\"state\":{\"desired\":{\"n\":" + i + "}}}").getBytes(), 1, false);
            }
            c.disconnectForcibly(0, 100);
            c.close(true);
        }
        // clients on every session loop (their ids hash to all of them) still get answers
        for (int i = 0; i < 6; i++) {
            try (TestClient c = TestClient.connect(emulator, "after-" + i + "-" + unique("x"))) {
                roundTrip(c, unique("afterthing"));
            }
        }
    }

    @Test
    void brokerOutageKeepsThePortsAndTheShadows() throws Exception {
        try (Emulator own = Emulator.builder().certificateDirectory(CERTS).build().start()) {
            int tcp = own.mqttPort();
            int tls = own.tlsPort();
            int ws = own.websocketPort();
            String thing = unique("outage");
            String prefix = "$aws/things/" + thing + "/shadow";
            own.setReported(thing, null, "{\"before\":true}");

            CountDownLatch lost = new CountDownLatch(1);
            CountDownLatch reconnected = new CountDownLatch(1);
            MqttClient paho = new MqttClient(own.mqttUrl(), unique("survivor"), new MemoryPersistence());
            paho.setTimeToWait(5000);
            paho.setCallback(new MqttCallbackExtended() {
                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                    if (reconnect) {
                        reconnected.countDown();
                    }
                }

                @Override
                public void connectionLost(Throwable cause) {
                    lost.countDown();
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setAutomaticReconnect(true);
            o.setMaxReconnectDelay(1000);
            paho.connect(o);
            try {
                own.stopBroker();
                assertFalse(own.isBrokerRunning());
                assertTrue(lost.await(5, TimeUnit.SECONDS), "the client noticed the outage");
                assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", tcp).close());
                // the services keep working while the broker is down
                own.setReported(thing, null, "{\"during\":true}");

                own.startBroker();
                assertEquals(tcp, own.mqttPort());
                assertEquals(tls, own.tlsPort());
                assertEquals(ws, own.websocketPort());
                assertTrue(reconnected.await(10, TimeUnit.SECONDS), "the client reconnected on the same port");

                CountDownLatch got = new CountDownLatch(1);
                JsonNode[] doc = new JsonNode[1];
                IMqttToken sub = paho.subscribeWithResponse(prefix + "/get/accepted", 1, (t, m) -> {
                    doc[0] = json(new String(m.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
                    got.countDown();
                });
                sub.waitForCompletion(5000);
                paho.publish(prefix + "/get", "{}".getBytes(), 1, false);
                assertTrue(got.await(5, TimeUnit.SECONDS));
                assertEquals(json("{\"before\":true,\"during\":true}"), doc[0].at("/state/reported"));
                assertEquals(2, doc[0].get("version").asInt());

                // TLS and WebSocket are back too
                MqttConnectOptions t = new MqttConnectOptions();
                t.setSocketFactory(own.device("device").socketFactory());
                new TestClient(own.tlsUrl(), unique("tls-after"), t).close();
                new TestClient(own.websocketUrl(), unique("ws-after")).close();
                assertTrue(eventuallyListed(own, paho.getClientId()), own.connectedClients().toString());
            } finally {
                paho.disconnectForcibly(0, 100);
                paho.close(true);
            }
        }
    }
}
