package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.iotgateway.testsupport.TestPki;
import org.iotgateway.testsupport.TestPki.Issued;
import org.iotgateway.testsupport.TestPki.KeyFormat;
import org.iotgateway.testsupport.TestPki.KeyType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: contexts from TlsContexts and sockets from SafeSocketFactory against a JDK TLS server. */
class TlsHandshakeTest {

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki otherCa;
    static TlsTestServer mutualServer;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir);
        otherCa = TestPki.create(dir, "Other CA");
        mutualServer = new TlsTestServer(pki.server(), pki.caCertificate());
    }

    @AfterAll
    static void stop() throws IOException {
        mutualServer.close();
    }

    @Test
    void mutualAuthenticationWithRsaPkcs1Key() throws Exception {
        Issued device = pki.client("device-rsa");
        assertEquals("hello", exchange(factory(device), "localhost", mutualServer.port()));
        TlsTestServer.Outcome outcome = mutualServer.nextOutcome();
        assertNull(outcome.failure, outcome.toString());
        assertTrue(outcome.clientSubject.contains("CN=device-rsa"), outcome.toString());
        assertEquals("TLSv1.3", outcome.protocol);
    }

    @Test
    void mutualAuthenticationWithEcSec1KeyAndIntermediateOverTls12() throws Exception {
        Issued device = pki.intermediate("Device Intermediate CA")
                .client("device-ec", KeyType.EC, KeyFormat.SEC1_WITH_PARAMETERS);
        SSLSocketFactory factory = SafeSocketFactory.builder(context(device)).protocols("TLSv1.2").build();
        assertEquals("hello", exchange(factory, "127.0.0.1", mutualServer.port()));
        TlsTestServer.Outcome outcome = mutualServer.nextOutcome();
        assertNull(outcome.failure, outcome.toString());
        assertTrue(outcome.clientSubject.contains("CN=device-ec"), outcome.toString());
        assertEquals("TLSv1.2", outcome.protocol);
    }

    @Test
    void unconnectedSocketAsPahoUsesItVerifiesTheHostName() throws Exception {
        Issued device = pki.client("device-rsa");
        SSLSocketFactory factory = factory(device);
        try (Socket socket = factory.createSocket()) {
            socket.connect(new InetSocketAddress("localhost", mutualServer.port()), 5000);
            ((SSLSocket) socket).startHandshake();
            assertEquals("hello", new BufferedReader(new InputStreamReader(socket.getInputStream())).readLine());
        }
        assertNull(mutualServer.nextOutcome().failure);
    }

    @Test
    void serverFromAnotherCaIsRefused() throws Exception {
        Issued device = pki.client("device-rsa");
        SSLContext trustsOtherCa = TlsContexts.builder()
                .trustedCertificates(otherCa.caCert(), "ca.file")
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file")
                .build();
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> exchange(SafeSocketFactory.of(trustsOtherCa), "localhost", mutualServer.port()));
        assertTrue(e.getMessage().contains("PKIX path"), e.getMessage());
        assertNotNull(mutualServer.nextOutcome().failure);
    }

    @Test
    void defaultTrustStoreDoesNotTrustTheTestCa() throws Exception {
        Issued device = pki.client("device-rsa");
        SSLContext defaultTrust = TlsContexts.builder()
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file").build();
        assertThrows(SSLHandshakeException.class,
                () -> exchange(SafeSocketFactory.of(defaultTrust), "localhost", mutualServer.port()));
        assertNotNull(mutualServer.nextOutcome().failure);
    }

    @Test
    void clientCertificateFromAnotherCaIsRefusedByTheServer() throws Exception {
        Issued stranger = otherCa.client("stranger");
        SSLContext context = TlsContexts.builder()
                .trustedCertificates(pki.caCert(), "ca.file")
                .clientCertificate(stranger.cert(), "cert.file", stranger.key(), "key.file")
                .build();
        // with TLS 1.3 the client may finish its handshake before the server's alert arrives: the failure shows at
        // the latest when reading
        assertThrows(IOException.class, () -> exchange(SafeSocketFactory.of(context), "localhost",
                mutualServer.port()));
        TlsTestServer.Outcome outcome = mutualServer.nextOutcome();
        assertTrue(outcome.failure instanceof SSLHandshakeException, outcome.toString());
    }

    @Test
    void withoutClientCertificateTheServerRefuses() throws Exception {
        SSLContext caOnly = TlsContexts.builder().trustedCertificates(pki.caCert(), "ca.file").build();
        assertThrows(IOException.class, () -> exchange(SafeSocketFactory.of(caOnly), "localhost",
                mutualServer.port()));
        TlsTestServer.Outcome outcome = mutualServer.nextOutcome();
        assertTrue(outcome.failure instanceof SSLHandshakeException, outcome.toString());
    }

    @Test
    void certificateForAnotherHostFailsHostnameVerification() throws Exception {
        Issued device = pki.client("device-rsa");
        try (TlsTestServer otherHost = new TlsTestServer(pki.server("otherhost"), pki.caCertificate())) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                    () -> exchange(factory(device), "127.0.0.1", otherHost.port()));
            assertTrue(e.getMessage().contains("No subject alternative names matching IP address 127.0.0.1"),
                    e.getMessage());
            assertNotNull(otherHost.nextOutcome().failure);

            // the same connection by host name "localhost" fails as well
            assertThrows(SSLHandshakeException.class, () -> exchange(factory(device), "localhost", otherHost.port()));
            assertNotNull(otherHost.nextOutcome().failure);

            // explicitly disabled: the chain is still verified, the name is not
            SSLSocketFactory lenient = SafeSocketFactory.builder(context(device)).hostnameVerification(false).build();
            assertEquals("hello", exchange(lenient, "127.0.0.1", otherHost.port()));
            assertNull(otherHost.nextOutcome().failure);
        }
    }

    @Test
    void protocolRestrictionIsEnforced() throws Exception {
        Issued device = pki.client("device-rsa");
        try (TlsTestServer tls13Only = new TlsTestServer(pki.server(), pki.caCertificate(), "TLSv1.3")) {
            SSLSocketFactory tls12Only = SafeSocketFactory.builder(context(device)).protocols("TLSv1.2").build();
            assertThrows(SSLHandshakeException.class, () -> exchange(tls12Only, "localhost", tls13Only.port()));
            assertNotNull(tls13Only.nextOutcome().failure);
            assertEquals("hello", exchange(factory(device), "localhost", tls13Only.port()));
            assertEquals("TLSv1.3", tls13Only.nextOutcome().protocol);
        }
    }

    static SSLContext context(Issued device) {
        return TlsContexts.builder()
                .trustedCertificates(device.caCert(), "ca.file")
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file")
                .build();
    }

    static SSLSocketFactory factory(Issued device) {
        return SafeSocketFactory.of(context(device));
    }

    /** Connects, reads the server's greeting line. */
    static String exchange(SSLSocketFactory factory, String host, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) factory.createSocket(host, port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream())).readLine();
            if (line == null) {
                throw new IOException("server closed the connection");
            }
            return line;
        }
    }
}
