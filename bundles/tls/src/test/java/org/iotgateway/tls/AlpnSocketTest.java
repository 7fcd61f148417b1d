package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALPN survives what Eclipse Paho's SSLNetworkModule does before the handshake: {@code setSSLParameters} with a fresh
 * {@link SSLParameters} for SNI, again for host name verification, then {@code startHandshake()}. A JDK TLS server
 * records what the client offered and what was negotiated.
 */
class AlpnSocketTest {

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static SSLContext client;
    private static AlpnServer server;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir);
        client = TlsContexts.builder().trustedCertificates(pki.caCert(), "ca.file").build();
        server = new AlpnServer(pki.server(), "x-amzn-mqtt-ca", "mqtt");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** Does to the socket exactly what Paho 1.2.5's TCPNetworkModule and SSLNetworkModule do, in order. */
    static SSLSocket connectLikePaho(SafeSocketFactory factory, String host, int port) throws Exception {
        SSLSocket socket = (SSLSocket) factory.createSocket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(1000);
        socket.setSoTimeout(10_000); // Paho: the handshake timeout (its connection timeout)
        SSLParameters sni = new SSLParameters();
        sni.setServerNames(List.of(new SNIHostName(host)));
        socket.setSSLParameters(sni);
        SSLParameters verification = new SSLParameters();
        verification.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(verification);
        socket.startHandshake();
        return socket;
    }

    private static String readLine(SSLSocket socket) throws Exception {
        InputStream in = socket.getInputStream();
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }

    @Test
    void theProtocolIsOfferedAndNegotiatedAfterPahoResetsTheParameters() throws Exception {
        SafeSocketFactory factory = SafeSocketFactory.builder(client).applicationProtocols(List.of("x-amzn-mqtt-ca"))
                .build();
        try (SSLSocket socket = connectLikePaho(factory, "localhost", server.port())) {
            assertEquals("hello", readLine(socket));
            assertEquals("x-amzn-mqtt-ca", socket.getApplicationProtocol());
            assertInstanceOf(AlpnSocket.class, socket);
        }
        AlpnServer.Seen seen = server.next();
        assertEquals(List.of("x-amzn-mqtt-ca"), seen.offered, seen.toString());
        assertEquals("x-amzn-mqtt-ca", seen.negotiated, seen.toString());
    }

    @Test
    void withoutTheWrapperPahoDropsAlpn() throws Exception {
        // the control experiment: ALPN set on a plain JDK socket does not survive Paho's parameter resets
        SafeSocketFactory plain = SafeSocketFactory.builder(client)
                .socketDecorator(s -> {
                    SSLParameters p = s.getSSLParameters();
                    p.setApplicationProtocols(new String[] {"x-amzn-mqtt-ca"});
                    s.setSSLParameters(p);
                    return s;
                }).build();
        try (SSLSocket socket = connectLikePaho(plain, "localhost", server.port())) {
            assertEquals("hello", readLine(socket));
            assertTrue(socket.getApplicationProtocol() == null || socket.getApplicationProtocol().isEmpty());
        }
        assertEquals(List.of(), server.next().offered);
    }

    @Test
    void customAuthorizerAlpnAndHostNameVerificationTogether() throws Exception {
        SafeSocketFactory factory = SafeSocketFactory.builder(client).applicationProtocols(List.of("mqtt")).build();
        try (SSLSocket socket = connectLikePaho(factory, "localhost", server.port())) {
            assertEquals("hello", readLine(socket));
            assertEquals("mqtt", socket.getApplicationProtocol());
            assertEquals("HTTPS", socket.getSSLParameters().getEndpointIdentificationAlgorithm());
        }
        assertEquals(List.of("mqtt"), server.next().offered);
        // host name verification still applies with the wrapper: 127.0.0.2 is not in the certificate
        SafeSocketFactory strict = SafeSocketFactory.builder(TlsContexts.builder()
                .trustedCertificates(pki.caCert(), "ca.file").build()).applicationProtocols(List.of("mqtt")).build();
        TestPki.Issued otherName = pki.server("otherhost.example");
        try (AlpnServer other = new AlpnServer(otherName, "mqtt")) {
            assertThrows(javax.net.ssl.SSLHandshakeException.class,
                    () -> connectLikePaho(strict, "localhost", other.port()).close());
        }
    }

    @Test
    void parametersNamingTheirOwnProtocolsAreRespectedAndTheDecoratorRunsLast() throws Exception {
        List<SSLSocket> decorated = new ArrayList<>();
        SafeSocketFactory factory = SafeSocketFactory.builder(client).applicationProtocols(List.of("x-amzn-mqtt-ca"))
                .socketDecorator(s -> {
                    decorated.add(s);
                    return s;
                }).build();
        SSLSocket socket = (SSLSocket) factory.createSocket();
        assertInstanceOf(AlpnSocket.class, decorated.get(0), "the decorator gets the ALPN socket");
        socket.connect(new InetSocketAddress("localhost", server.port()), 5000);
        SSLParameters own = new SSLParameters();
        own.setApplicationProtocols(new String[] {"mqtt"});
        socket.setSSLParameters(own);
        socket.startHandshake();
        assertEquals("mqtt", socket.getApplicationProtocol());
        socket.close();
        assertEquals(List.of("mqtt"), server.next().offered);
    }

    @Test
    void invalidProtocolNamesAreRejected() throws Exception {
        SafeSocketFactory.Builder b = SafeSocketFactory.builder(client);
        assertThrows(IllegalArgumentException.class, () -> b.applicationProtocols(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> b.applicationProtocols(List.of("x".repeat(256))));
        assertTrue(b.applicationProtocols(null).build().applicationProtocols().isEmpty());
        assertNull(b.build().proxy());
        assertTrue(SafeSocketFactory.builder(client).applicationProtocols(List.of("x-amzn-mqtt-ca")).build().toString()
                .contains("alpn=x-amzn-mqtt-ca"));
    }
}
