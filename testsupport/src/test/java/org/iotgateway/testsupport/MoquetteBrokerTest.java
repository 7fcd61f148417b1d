package org.iotgateway.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Random;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MoquetteBrokerTest {

    @TempDir
    Path dir;

    @Test
    void publishesLargePayloadsAndRestartsOnTheSamePort() throws Exception {
        byte[] payload = new byte[128 * 1024];
        new Random(1).nextBytes(payload);
        try (MoquetteBroker broker = MoquetteBroker.launch()) {
            int port = broker.port();
            assertEquals("tcp://127.0.0.1:" + port, broker.url());
            roundTrip(port, payload);

            try (MqttProbe connected = MqttProbe.connect("127.0.0.1", port, "connected")) {
                broker.stop();
                assertFalse(broker.isRunning());
                // clients notice the outage: the broker closed their connections
                IOException closed = assertThrows(IOException.class, () -> connected.receive(Duration.ofSeconds(5)));
                assertFalse(closed instanceof SocketTimeoutException, "connection still open after stop()");
            }
            assertThrows(IOException.class, () -> MqttProbe.connect("127.0.0.1", port, "refused").close());

            broker.start();
            assertEquals(port, broker.port());
            roundTrip(port, payload);
        }
    }

    @Test
    void tlsListenerRequiresClientCertificates() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued device = pki.client("device1");
        try (MoquetteBroker broker = MoquetteBroker.builder().tls(pki.server(), true).start()) {
            SSLContext mutual = context(pki.caCertificate(), device);
            try (MqttProbe probe = MqttProbe.connect(tls(mutual, broker.sslPort()), "tls-client")) {
                probe.subscribe("t", 0);
            }
            SSLContext anonymous = context(pki.caCertificate(), null);
            assertThrows(IOException.class, () -> MqttProbe.connect(tls(anonymous, broker.sslPort()), "anon"));
        }
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

    static Socket tls(SSLContext context, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.startHandshake();
        return socket;
    }

    /** A JDK-only client context, independent of the code the tls module tests. */
    static SSLContext context(X509Certificate ca, TestPki.Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.privateKey(), "pw".toCharArray(),
                    client.chain().toArray(new X509Certificate[0]));
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, "pw".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        assertTrue(context.getProtocol().startsWith("TLS"));
        return context;
    }
}
