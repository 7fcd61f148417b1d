package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeSocketFactoryTest {

    private static final String TLS12_SUITE = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

    static SSLContext context() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        return context;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.1", "TLSv1", "SSLv3", "tlsv1.1", " TLSv1 "})
    void obsoleteProtocolsAreRejected(String protocol) throws Exception {
        SafeSocketFactory.Builder builder = SafeSocketFactory.builder(context());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.protocols("TLSv1.3", protocol));
        assertTrue(e.getMessage().contains("is not allowed: it is obsolete and insecure"), e.getMessage());
        assertTrue(e.getMessage().contains(protocol.trim().replace("tlsv", "TLSv")), e.getMessage());
    }

    @Test
    void unknownAndEmptyProtocolListsAreRejected() throws Exception {
        SafeSocketFactory.Builder builder = SafeSocketFactory.builder(context());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> builder.protocols("TLS1.2"));
        assertTrue(unknown.getMessage().contains("unknown TLS protocol \"TLS1.2\""), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.protocols(List.of()));
        IllegalArgumentException suite = assertThrows(IllegalArgumentException.class,
                () -> builder.cipherSuites(List.of("TLS_NO_SUCH_SUITE")));
        assertTrue(suite.getMessage().contains("TLS_NO_SUCH_SUITE"), suite.getMessage());
    }

    @Test
    void protocolNamesAreCanonicalized() throws Exception {
        SafeSocketFactory factory = SafeSocketFactory.builder(context()).protocols("tlsv1.2", "TLSv1.2").build();
        assertEquals(List.of("TLSv1.2"), factory.protocols());
        assertEquals(SafeSocketFactory.DEFAULT_PROTOCOLS, SafeSocketFactory.of(context()).protocols());
    }

    @Test
    void everyCreateSocketVariantIsConfigured() throws Exception {
        List<SSLSocket> decorated = new ArrayList<>();
        SafeSocketFactory factory = SafeSocketFactory.builder(context())
                .socketDecorator(socket -> {
                    decorated.add(socket);
                    return socket;
                })
                .build();
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            int port = server.getLocalPort();
            List<Socket> sockets = new ArrayList<>();
            try {
                sockets.add(factory.createSocket());
                sockets.add(factory.createSocket("127.0.0.1", port));
                sockets.add(factory.createSocket("127.0.0.1", port, loopback, 0));
                sockets.add(factory.createSocket(loopback, port));
                sockets.add(factory.createSocket(loopback, port, loopback, 0));
                sockets.add(factory.createSocket(new Socket(loopback, port), "localhost", port, true));
                for (Socket socket : sockets) {
                    SSLSocket ssl = (SSLSocket) socket;
                    assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, ssl.getEnabledProtocols());
                    assertEquals("HTTPS", ssl.getSSLParameters().getEndpointIdentificationAlgorithm());
                }
                assertEquals(sockets, decorated);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void cipherSuitesAndDisabledHostnameVerification() throws Exception {
        SafeSocketFactory factory = SafeSocketFactory.builder(context())
                .protocols("TLSv1.2")
                .cipherSuites(List.of(TLS12_SUITE))
                .hostnameVerification(false)
                .build();
        try (SSLSocket socket = (SSLSocket) factory.createSocket()) {
            assertArrayEquals(new String[] {"TLSv1.2"}, socket.getEnabledProtocols());
            assertArrayEquals(new String[] {TLS12_SUITE}, socket.getEnabledCipherSuites());
            assertNull(socket.getSSLParameters().getEndpointIdentificationAlgorithm());
        }
        assertArrayEquals(new String[] {TLS12_SUITE}, factory.getDefaultCipherSuites());
        assertEquals(List.of(TLS12_SUITE), factory.cipherSuites());
        assertTrue(factory.toString().contains("hostnameVerification=false"));
    }

    @Test
    void decoratorMayReplaceTheSocket() throws Exception {
        SSLSocket[] replacement = new SSLSocket[1];
        SafeSocketFactory factory = SafeSocketFactory.builder(context())
                .socketDecorator(socket -> {
                    replacement[0] = socket;
                    return socket;
                })
                .build();
        try (Socket socket = factory.createSocket()) {
            assertSame(replacement[0], socket);
        }
    }
}
