package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.SocketFactory;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.iotgateway.testsupport.ConnectProxy;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tunnelling through an HTTP CONNECT proxy (a small proxy started by the test): plain sockets, TLS sockets the way
 * Paho opens them (with ALPN), HttpsURLConnection as the Greengrass discovery client will use it, and every way a
 * proxy says no.
 */
class HttpProxyTest {

    private static final String SECRET = "pr0xy-S3cret!";

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static SSLContext client;
    private static AlpnServer tlsServer;
    private static ServerSocket echo;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir);
        client = TlsContexts.builder().trustedCertificates(pki.caCert(), "ca.file").build();
        tlsServer = new AlpnServer(pki.server(), "x-amzn-mqtt-ca");
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread e = new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (Exception ignored) {
                            // closed
                        }
                    });
                    e.setDaemon(true);
                    e.start();
                } catch (Exception e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterAll
    static void stop() throws Exception {
        tlsServer.close();
        echo.close();
    }

    private static HttpProxy proxy(ConnectProxy p) {
        return HttpProxy.builder("127.0.0.1", p.port()).build();
    }

    @Test
    void plainSocketsTunnelWhenConnected() throws Exception {
        try (ConnectProxy p = new ConnectProxy()) {
            SocketFactory factory = proxy(p).socketFactory();
            try (Socket s = factory.createSocket()) {
                assertFalse(s.isConnected());
                s.connect(new InetSocketAddress("127.0.0.1", echo.getLocalPort()), 5000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] back = s.getInputStream().readNBytes(5);
                assertEquals("ping\n", new String(back, StandardCharsets.US_ASCII));
            }
            try (Socket s = factory.createSocket("127.0.0.1", echo.getLocalPort())) {
                assertTrue(s.isConnected());
            }
            assertEquals(2, p.tunnels());
            assertEquals(List.of("127.0.0.1:" + echo.getLocalPort(), "127.0.0.1:" + echo.getLocalPort()), p.targets);
            assertTrue(p.heads.get(0).contains("Host: 127.0.0.1:" + echo.getLocalPort() + "\r\n"), p.heads.get(0));
        }
    }

    @Test
    void tlsRunsEndToEndThroughTheTunnelWithAlpnAndHostNameVerification() throws Exception {
        try (ConnectProxy p = new ConnectProxy()) {
            SafeSocketFactory factory = SafeSocketFactory.builder(client).applicationProtocols(List.of("x-amzn-mqtt-ca"))
                    .proxy(proxy(p)).build();
            // the target is addressed by the name in its certificate; the proxy resolves it, not the client
            try (SSLSocket s = AlpnSocketTest.connectLikePaho(factory, "localhost", tlsServer.port())) {
                assertEquals("x-amzn-mqtt-ca", s.getApplicationProtocol());
                assertEquals("localhost", s.getSession().getPeerHost());
                assertTrue(s.isConnected());
                assertEquals('h', s.getInputStream().read());
            }
            assertEquals(List.of("x-amzn-mqtt-ca"), tlsServer.next().offered);
            assertEquals(List.of("localhost:" + tlsServer.port()), p.targets);
            // the other variants connect at once
            try (SSLSocket s = (SSLSocket) factory.createSocket("localhost", tlsServer.port())) {
                s.startHandshake();
                assertEquals("x-amzn-mqtt-ca", s.getApplicationProtocol());
            }
            tlsServer.next();
            assertEquals(2, p.tunnels());
        }
    }

    @Test
    void basicCredentialsAreSentAndNeverShown() throws Exception {
        try (ConnectProxy p = new ConnectProxy().requireCredentials("gateway", SECRET)) {
            HttpProxy good = HttpProxy.builder("127.0.0.1", p.port()).credentials("gateway", SECRET.toCharArray()).build();
            try (Socket s = good.connect("127.0.0.1", echo.getLocalPort(), 5000)) {
                assertTrue(s.isConnected());
            }
            assertEquals(1, p.tunnels());
            assertFalse(good.toString().contains(SECRET), good.toString());

            HttpProxy none = proxy(p);
            ProxyTunnelException required = assertThrows(ProxyTunnelException.class,
                    () -> none.connect("127.0.0.1", echo.getLocalPort(), 5000));
            assertEquals(ProxyTunnelException.Reason.AUTHENTICATION_REQUIRED, required.reason());
            assertEquals(407, required.status());
            assertEquals("proxy.username", required.setting());
            assertTrue(required.getMessage().contains("requires authentication"), required.getMessage());
            assertTrue(required.getMessage().contains("set proxy.username and proxy.password"), required.getMessage());
            assertTrue(required.getMessage().contains("offers Basic"), required.getMessage());

            HttpProxy wrong = HttpProxy.builder("127.0.0.1", p.port()).credentials("gateway", "wr0ng-pw".toCharArray())
                    .build();
            ProxyTunnelException failed = assertThrows(ProxyTunnelException.class,
                    () -> wrong.connect("127.0.0.1", echo.getLocalPort(), 5000));
            assertEquals(ProxyTunnelException.Reason.AUTHENTICATION_FAILED, failed.reason());
            assertEquals("proxy.password", failed.setting());
            assertTrue(failed.getMessage().contains("as user 'gateway' rejected the credentials"), failed.getMessage());
            assertFalse(failed.getMessage().contains("wr0ng-pw"), failed.getMessage());
            assertEquals(1, p.tunnels());
        }
    }

    @Test
    void refusalsAndBrokenProxiesNameTheProxyAndTheSetting() throws Exception {
        try (ConnectProxy p = new ConnectProxy().mode(ConnectProxy.Mode.REFUSE)) {
            ProxyTunnelException refused = assertThrows(ProxyTunnelException.class,
                    () -> proxy(p).connect("a1b2-ats.iot.eu-west-1.amazonaws.com", 443, 5000));
            assertEquals(ProxyTunnelException.Reason.REFUSED, refused.reason());
            assertEquals(403, refused.status());
            assertEquals("proxy.host", refused.setting());
            assertTrue(refused.getMessage().contains("HTTP proxy 127.0.0.1:" + p.port() + " (proxy.host) refused to open "
                    + "a tunnel to a1b2-ats.iot.eu-west-1.amazonaws.com:443 (403 Forbidden)"), refused.getMessage());

            p.mode(ConnectProxy.Mode.NOT_HTTP);
            ProxyTunnelException notHttp = assertThrows(ProxyTunnelException.class,
                    () -> proxy(p).connect("localhost", 443, 5000));
            assertEquals(ProxyTunnelException.Reason.BAD_RESPONSE, notHttp.reason());
            assertTrue(notHttp.getMessage().contains("not HTTP"), notHttp.getMessage());

            p.mode(ConnectProxy.Mode.SILENT);
            long start = System.nanoTime();
            ProxyTunnelException silent = assertThrows(ProxyTunnelException.class,
                    () -> proxy(p).connect("localhost", 443, 300));
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "the answer timeout applies");
            assertTrue(silent.getMessage().contains("did not answer CONNECT localhost:443 within 300 ms"),
                    silent.getMessage());
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ProxyTunnelException unreachable = assertThrows(ProxyTunnelException.class,
                () -> HttpProxy.builder("127.0.0.1", closedPort).build().connect("localhost", 443, 2000));
        assertEquals(ProxyTunnelException.Reason.UNREACHABLE, unreachable.reason());
        assertTrue(unreachable.getMessage().startsWith("cannot reach HTTP proxy 127.0.0.1:" + closedPort
                + " (proxy.host)"), unreachable.getMessage());
        // a TLS socket whose tunnel fails reports the proxy's error from connect()
        SafeSocketFactory factory = SafeSocketFactory.builder(client)
                .proxy(HttpProxy.builder("127.0.0.1", closedPort).build()).build();
        Socket s = factory.createSocket();
        assertThrows(ProxyTunnelException.class, () -> s.connect(new InetSocketAddress("localhost", 443), 2000));
    }

    @Test
    void invalidProxySettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> HttpProxy.builder("", 3128));
        assertThrows(IllegalArgumentException.class, () -> HttpProxy.builder("proxy", 0));
        assertThrows(IllegalArgumentException.class,
                () -> HttpProxy.builder("proxy", 3128).credentials(null, "x".toCharArray()).build());
    }

    @Test
    void httpsUrlConnectionTunnelsThroughTheFactoryLikeTheDiscoveryClientWill() throws Exception {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        SSLContext serverContext = serverContext(pki.server());
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext) {
            @Override
            public void configure(HttpsParameters params) {
                javax.net.ssl.SSLParameters p = serverContext.getDefaultSSLParameters();
                params.setSSLParameters(p);
            }
        });
        https.createContext("/greengrass/discover/thing/t1", exchange -> {
            byte[] body = "{\"GGGroups\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        try (ConnectProxy p = new ConnectProxy()) {
            SafeSocketFactory factory = SafeSocketFactory.builder(client).applicationProtocols(List.of("x-amzn-http-ca"))
                    .proxy(proxy(p)).build();
            URL url = new URL("https://localhost:" + https.getAddress().getPort() + "/greengrass/discover/thing/t1");
            HttpsURLConnection c = (HttpsURLConnection) url.openConnection(Proxy.NO_PROXY);
            c.setSSLSocketFactory(factory);
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            assertEquals(HttpURLConnection.HTTP_OK, c.getResponseCode());
            try (InputStream in = c.getInputStream()) {
                assertEquals("{\"GGGroups\":[]}", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            c.disconnect();
            assertEquals(List.of("localhost:" + https.getAddress().getPort()), p.targets);
            assertInstanceOf(HttpProxy.class, factory.proxy());
        } finally {
            https.stop(0);
        }
    }

    private static SSLContext serverContext(TestPki.Issued server) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", server.privateKey(), "pw".toCharArray(),
                server.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, "pw".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }
}
