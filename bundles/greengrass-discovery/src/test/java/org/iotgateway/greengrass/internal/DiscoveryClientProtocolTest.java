package org.iotgateway.greengrass.internal;

import static org.iotgateway.greengrass.internal.Support.assertContains;
import static org.iotgateway.greengrass.internal.Support.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.discovery.DiscoveryResponseException;
import org.iotgateway.api.discovery.DiscoveryResponseException.Problem;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.DiscoveryTimeoutException;
import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The discovery client against a scripted HTTPS server, for what the emulator does not do: hanging and trickling
 * servers, malformed, truncated, chunked and oversized answers, ALPN and the request itself, and a proxy.
 */
class DiscoveryClientProtocolTest {

    private static final String ANSWER = "{\"GGGroups\":[{\"GGGroupId\":\"g-1\",\"Cores\":[{\"thingArn\":\"arn:c\","
            + "\"Connectivity\":[{\"Id\":\"1\",\"HostAddress\":\"h\",\"PortNumber\":8883,\"Metadata\":\"\"}]}],"
            + "\"CAs\":[\"pem\"]}]}";

    @TempDir
    static Path dir;
    private static TestPki pki;
    private static TestPki.Issued serverCert;
    private static TestPki.Issued device;

    private FakeHttpsServer server;
    private final java.util.List<AutoCloseable> closeables = new java.util.ArrayList<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
        serverCert = pki.server();
        device = pki.client("device-1");
    }

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeHttpsServer(serverCert, pki.caCertificate());
        closeables.add(server);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private Map<String, Object> properties() {
        Map<String, Object> p = new HashMap<>();
        p.put("endpoint", "127.0.0.1");
        p.put("port", server.port());
        p.put("ca.file", pki.caCert().toString());
        p.put("cert.file", device.cert().toString());
        p.put("key.file", device.key().toString());
        p.put("timeout", 1);
        p.put("max.response.bytes", 4096);
        return p;
    }

    private DiscoveryClient client(Map<String, Object> p) {
        DiscoveryClient c = Support.client(p);
        closeables.add(0, c);
        return c;
    }

    private DiscoveryClient client() {
        return client(properties());
    }

    private static void write(OutputStream out, String s) throws java.io.IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void sendsTheRequestTheServiceExpects() throws Exception {
        server.respond(200, ANSWER);
        DiscoveryResult r = client().discoverAndWait("gw:1_a-b");
        assertEquals("g-1", r.groups().get(0).groupId());
        FakeHttpsServer.Request request = server.requests().poll(5, TimeUnit.SECONDS);
        assertNotNull(request);
        assertTrue(request.head.startsWith("GET /greengrass/discover/thing/gw:1_a-b HTTP/1.1\r\n"), request.head);
        assertContains(request.head, "\r\nHost: 127.0.0.1:" + server.port() + "\r\n");
        assertContains(request.head, "\r\nAccept: application/json\r\n");
        assertEquals("", request.alpn); // no ALPN off port 443
    }

    @Test
    void offersAlpnForPort443() throws Exception {
        server.respond(200, ANSWER);
        try (DiscoveryClient c = Support.client(Support.discoverySettings(properties(),
                List.of(GreengrassDiscovery.ALPN_PROTOCOL)))) {
            c.discoverAndWait("t");
        }
        assertEquals("x-amzn-http-ca", server.requests().poll(5, TimeUnit.SECONDS).alpn);
        Map<String, Object> p = properties();
        p.put("port", 443);
        assertEquals(List.of("x-amzn-http-ca"), Support.discoverySettings(p).alpn);
        p.put("port", 8443);
        assertEquals(List.of(), Support.discoverySettings(p).alpn);
    }

    @Test
    void chunkedAnswer() {
        server.respond((head, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < ANSWER.length(); i += 10) {
                String part = ANSWER.substring(i, Math.min(ANSWER.length(), i + 10));
                write(out, Integer.toHexString(part.length()) + "\r\n" + part + "\r\n");
            }
            write(out, "0\r\n\r\n");
        });
        assertEquals("arn:c", client().discoverAndWait("t").groups().get(0).cores().get(0).thingArn());
    }

    @Test
    void noAnswerTimesOut() {
        server.respond((head, out) -> Thread.sleep(5000));
        long start = System.nanoTime();
        Throwable e = failure(client(), "t");
        DiscoveryTimeoutException timeout = assertInstanceOf(
                DiscoveryTimeoutException.class, e);
        assertEquals(Duration.ofSeconds(1), timeout.timeout());
        assertContains(e.getMessage(), "waiting for the answer");
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "took too long");
    }

    @Test
    void aTricklingServerCannotHoldTheRequestPastTheTimeout() {
        server.respond((head, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + ANSWER.length() + "\r\n\r\n");
            for (char c : ANSWER.toCharArray()) {
                write(out, String.valueOf(c));
                Thread.sleep(100); // well within the read timeout each time
            }
        });
        long start = System.nanoTime();
        assertInstanceOf(DiscoveryTimeoutException.class, failure(client(), "t"));
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "took too long");
    }

    @Test
    void malformedJson() {
        server.respond(200, "{\"GGGroups\": [ {\"GGGroupId\": \"g\" ]}");
        DiscoveryResponseException e = assertInstanceOf(DiscoveryResponseException.class,
                failure(client(), "t"));
        assertEquals(Problem.MALFORMED_JSON, e.problem());
    }

    @Test
    void truncatedAnswer() {
        server.respond((head, out) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + ANSWER.length() + "\r\n\r\n"
                + ANSWER.substring(0, 40)));
        DiscoveryResponseException e = assertInstanceOf(DiscoveryResponseException.class,
                failure(client(), "t"));
        assertEquals(Problem.TRUNCATED, e.problem());
        assertContains(e.getMessage(), "closed after 40 bytes");
    }

    @Test
    void truncatedJsonInACompleteAnswer() {
        server.respond(200, ANSWER.substring(0, 60));
        assertEquals(Problem.TRUNCATED, ((DiscoveryResponseException) failure(client(), "t")).problem());
    }

    @Test
    void answersOverTheLimitAreRefused() {
        server.respond((head, out) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"));
        assertEquals(Problem.TOO_LARGE, ((DiscoveryResponseException) failure(client(), "t")).problem());
        server.respond((head, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 100; i++) {
                write(out, "400\r\n" + " ".repeat(1024) + "\r\n");
            }
        });
        assertEquals(Problem.TOO_LARGE, ((DiscoveryResponseException) failure(client(), "t")).problem());
    }

    @Test
    void notHttp() {
        server.respond((head, out) -> write(out, "220 smtp.example.com ESMTP\r\n"));
        assertEquals(Problem.MALFORMED_HTTP, ((DiscoveryResponseException) failure(client(), "t")).problem());
    }

    @Test
    void errorMessagesFromPlainTextBodies() {
        server.respond(404, "no such thing");
        assertEquals("no such thing",
                ((org.iotgateway.api.discovery.ThingNotInGroupException) failure(client(), "t")).serviceMessage());
    }

    @Test
    void throughAnHttpProxy() throws Exception {
        TinyConnectProxy proxy = new TinyConnectProxy();
        closeables.add(proxy);
        server.respond(200, ANSWER);
        Map<String, Object> p = properties();
        p.put("proxy.host", "127.0.0.1");
        p.put("proxy.port", proxy.port());
        assertEquals("g-1", client(p).discoverAndWait("t").groups().get(0).groupId());
        assertTrue(proxy.heads().poll(5, TimeUnit.SECONDS).startsWith("CONNECT 127.0.0.1:" + server.port() + " "));
    }
}
