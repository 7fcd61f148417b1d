package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.MqttProbe;
import org.iotgateway.testsupport.TestPki;
import org.iotgateway.testsupport.TestPki.Issued;
import org.iotgateway.testsupport.TestPki.KeyFormat;
import org.iotgateway.testsupport.TestPki.KeyType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS against a real broker whose TLS stack is OpenSSL: Debian's mosquitto. */
class MosquittoTlsTest {

    @TempDir
    static Path dir;

    static TestPki pki;
    static Mosquitto broker;

    @BeforeAll
    static void start() {
        Mosquitto.require(); // fails with an installation hint, never skips
        pki = TestPki.create(dir);
        broker = Mosquitto.builder().tls(pki.server()).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void awsConsoleStyleRsaKeyPublishesLargePayload() throws Exception {
        Issued device = pki.client("device-rsa"); // PKCS#1, like the AWS IoT console
        byte[] payload = new byte[128 * 1024];
        new Random(5).nextBytes(payload);
        try (MqttProbe probe = MqttProbe.connect(connect(factory(device), "localhost"), "device-rsa")) {
            probe.subscribe("dt/device-rsa/#", 1);
            probe.publish("dt/device-rsa/big", payload, 1);
            assertArrayEquals(payload, probe.receive(Duration.ofSeconds(10)).payload());
        }
    }

    @Test
    void opensslEcKeyWithParametersBlockAndRestartOnTheSamePort() throws Exception {
        Issued device = pki.client("device-ec", KeyType.EC, KeyFormat.SEC1_WITH_PARAMETERS);
        SSLSocketFactory factory = factory(device);
        try (MqttProbe probe = MqttProbe.connect(connect(factory, "127.0.0.1"), "device-ec")) {
            probe.subscribe("t", 0);
        }
        int port = broker.tlsPort();
        broker.stop();
        assertThrows(IOException.class, () -> connect(factory, "localhost").close());
        broker.start();
        assertEquals(port, broker.tlsPort());
        try (MqttProbe probe = MqttProbe.connect(connect(factory, "localhost"), "device-ec")) {
            probe.subscribe("t", 0);
        }
    }

    @Test
    void brokerFromAnotherCaIsRefused() throws Exception {
        Issued device = pki.client("device-rsa");
        TestPki other = TestPki.create(dir, "Other CA");
        SSLContext trustsOther = TlsContexts.builder()
                .trustedCertificates(other.caCert(), "ca.file")
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file")
                .build();
        assertThrows(SSLHandshakeException.class, () -> connect(SafeSocketFactory.of(trustsOther), "localhost"));
    }

    @Test
    void withoutClientCertificateTheBrokerRefuses() {
        SSLContext caOnly = TlsContexts.builder().trustedCertificates(pki.caCert(), "ca.file").build();
        // TLS 1.3: the refusal may arrive after the client's handshake, at the latest on CONNECT
        assertThrows(IOException.class,
                () -> MqttProbe.connect(connect(SafeSocketFactory.of(caOnly), "localhost"), "anonymous").close());
    }

    static SSLSocketFactory factory(Issued device) {
        return SafeSocketFactory.of(TlsContexts.builder()
                .trustedCertificates(device.caCert(), "ca.file")
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file")
                .build());
    }

    /** Like Paho: unconnected socket, connect by host name, handshake. */
    static Socket connect(SSLSocketFactory factory, String host) throws IOException {
        SSLSocket socket = (SSLSocket) factory.createSocket();
        try {
            socket.connect(new InetSocketAddress(host, broker.tlsPort()), 5000);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }
}
